// Card state that survives, seen from outside: a real fraudd restarted,
// cleanly and with kill -9, still knows where its cards were.
#include <chrono>
#include <thread>

#include "protocol/query_codec.hpp"
#include "tests/service/fraudd_fixture.hpp"

namespace {

using namespace fraud;
using fraud::test::fraudd_service;
using fraud::test::make_tx;

class card_state_service : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    return {"--nats", nats->url(), "--db", dir.file("fraud.db"),
            "--snapshot-interval-ms", "50"};
  }

  protocol::stats_reply stats() {
    auto bytes = raw_request("fraud.stats", "");
    protocol::stats_reply s;
    EXPECT_TRUE(protocol::decode(bytes.data(), bytes.size(), s).ok());
    return s;
  }

  models::transaction london(const std::string& tx_id,
                             const std::string& card, std::int64_t minute) {
    auto tx = make_tx(tx_id, card, minute);
    tx.lat = 51.51;
    tx.lon = -0.13;
    tx.country = "GB";
    return tx;
  }

  void wait_until_snapshots_written(std::uint64_t n) {
    for (int i = 0; i < 300 && stats().snapshots_written < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_GE(stats().snapshots_written, n);
  }
};

TEST_F(card_state_service, impossible_travel_is_caught_across_a_restart) {
  score(make_tx("ny", "card-1", 0));
  ASSERT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto r = score(london("london", "card-1", 10));
  EXPECT_EQ(r.decision.action, models::action::decline);
  ASSERT_FALSE(r.decision.reasons.empty());
  EXPECT_EQ(r.decision.reasons[0].rule, "impossible_travel");
  EXPECT_EQ(stats().restored, 1u);
}

TEST_F(card_state_service, kill_9_loses_at_most_the_snapshot_interval) {
  score(make_tx("ny", "card-2", 0));
  wait_until_snapshots_written(1);  // older than the interval: on disk
  ASSERT_EQ(fraudd.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto r = score(london("london", "card-2", 10));
  EXPECT_EQ(r.decision.action, models::action::decline);
  EXPECT_EQ(stats().restored, 1u);
}

TEST_F(card_state_service, a_resent_transaction_is_recognised_after_restart) {
  auto first = score(make_tx("tx-once", "card-3", 0));
  ASSERT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto again = score(make_tx("tx-once", "card-3", 0));
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
    score(make_tx("a-" + std::to_string(i), "card-" + std::to_string(i), 0));
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
