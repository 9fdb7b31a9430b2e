// Card state that survives, seen from outside: a real fraudd restarted,
// cleanly and with kill -9, still knows where its cards were.
#include <chrono>

#include "protocol/query_codec.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;

class card_state_service : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    return {"--nats", nats->url(), "--db", dir.file("fraud.db"),
            "--snapshot-interval-ms", "50"};
  }

  protocol::stats_reply stats() {
    return ask<protocol::stats_reply>("fraud.stats", protocol::stats_query{});
  }

  models::transaction london(const std::string& tx_id,
                             const std::string& card, std::int64_t minute) {
    return test::in_country(
      test::located(card_tx(card, minute, tx_id), test::london), "GB");
  }

  void wait_until_snapshots_written(std::uint64_t n) {
    ASSERT_TRUE(test::eventually(
      [&] { return stats().snapshots_written >= n; }, std::chrono::seconds(3)))
      << stats().snapshots_written << " snapshots written, not " << n;
  }
};

TEST_F(card_state_service, impossible_travel_is_caught_across_a_restart) {
  score(card_tx("card-1", 0, "ny"));
  ASSERT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto r = score(london("london", "card-1", 10));
  EXPECT_EQ(r.decision.action, models::action::decline);
  ASSERT_FALSE(r.decision.reasons.empty());
  EXPECT_EQ(r.decision.reasons[0].rule, "impossible_travel");
  EXPECT_EQ(stats().restored, 1u);
}

TEST_F(card_state_service, kill_9_loses_at_most_the_snapshot_interval) {
  score(card_tx("card-2", 0, "ny"));
  wait_until_snapshots_written(1);  // older than the interval: on disk
  ASSERT_EQ(fraudd.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto r = score(london("london", "card-2", 10));
  EXPECT_EQ(r.decision.action, models::action::decline);
  EXPECT_EQ(stats().restored, 1u);
}

TEST_F(card_state_service, a_resent_transaction_is_recognised_after_restart) {
  auto first = score(card_tx("card-3", 0, "tx-once"));
  ASSERT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto again = score(card_tx("card-3", 0, "tx-once"));
  EXPECT_TRUE(again.env.duplicate);
  EXPECT_EQ(again.env.decided_at_ms, first.env.decided_at_ms);
}

class capped_service : public card_state_service {
protected:
  std::vector<std::string> args() override {
    return {"--nats",      nats->url(), "--db", dir.file("fraud.db"),
            "--max-cards", "10"};
  }
};

TEST_F(capped_service, memory_is_bounded_by_the_cap_and_nothing_is_lost) {
  for (int i = 0; i < 100; ++i)
    score(card_tx("card-" + std::to_string(i), 0, "a-" + std::to_string(i)));
  auto s = stats();
  EXPECT_LE(s.active_cards, 10u);
  EXPECT_GE(s.passivations, 90u);
  // every card comes back with its history
  for (int i = 0; i < 100; i += 9) {
    auto r = score(london("b-" + std::to_string(i),
                          "card-" + std::to_string(i), 10));
    EXPECT_EQ(r.decision.action, models::action::decline) << i;
  }
  s = stats();
  EXPECT_EQ(s.approved + s.declined, 112u);
  EXPECT_EQ(s.snapshot_corrupt, 0u);
  EXPECT_EQ(s.snapshot_errors, 0u);
}

} // namespace
