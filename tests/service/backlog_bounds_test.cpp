// Back-pressure: a store that stalls fills the decision queue up to its
// bound in bytes and no further; from there transactions are refused
// OVERLOADED (counted) instead of being scored, nothing made is dropped,
// and all of it is written once the store recovers. The same bound holds
// for card snapshots not yet written. Deterministic: card actors under
// CAF's test coordinator, the decision writer driven by hand.
#include "service/backlog_bounds.hpp"

#include <gtest/gtest.h>

#include <set>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/decision_store.hpp"
#include "actors/runtime/card_directory.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/recording_sink.hpp"
#include "tests/support/test_coordinator.hpp"

namespace {

using namespace fraud;

// A disk that stalls: every write fails until `stalled` is cleared.
class stalling_store : public actors::store_backend {
public:
  fraud::expected<std::size_t>
  write(const std::vector<std::string_view>& batch) override {
    if (stalled)
      return make_error(ec::store_error, "disk I/O error");
    for (auto record : batch)
      rows.emplace(std::string{record.substr(0, record.find(':'))});
    return batch.size();
  }
  fraud::expected<std::size_t> purge_before(std::int64_t) override {
    return std::size_t{0};
  }
  std::set<std::string> rows;
  bool stalled = true;
};

constexpr std::size_t bound = 4096;

class backlog : public ::testing::Test {
protected:
  backlog()
    : queue(1'000'000, service::backlog_bounds::hard_limit(bound)),
      writer(store_env()), sys(cfg), sched(test::coordinator_of(sys)),
      rules(models::make_default_ruleset()) {
    sink.queue = &queue;
    env.sink = &sink;
    env.rules = &rules;
    env.stats = &stats;
    directory = std::make_unique<actors::card_directory>(sys, env);
    bounds.decisions = &queue;
    bounds.decision_bytes = bound;
  }

  ~backlog() override { directory.reset(); sched.run(); }

  actors::store_environment store_env() {
    actors::store_environment se;
    se.queue = &queue;
    se.backend = &store;
    se.stats = &stats;
    se.max_batch = 4;
    return se;
  }

  // As the ingress does with each transaction: refused while a writer is
  // at its bound, else routed (and scored).
  void offer(int i) {
    if (auto err = bounds.check()) {
      EXPECT_EQ(err.code(), ec::overloaded);
      stats.rejected_overloaded.add();
      return;
    }
    actors::score_request r;
    r.tx = test::card_tx("card-" + std::to_string(i % 7), i);
    directory->route(std::move(r));
    sched.run();
  }

  // The store side: a queue bounded in bytes, a disk that stalls.
  actors::counters stats;
  actors::store_queue queue;
  stalling_store store;
  actors::decision_writer writer;
  // The cards, whose decisions the sink queues for the store.
  test::recording_sink sink;
  test::test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  actors::ruleset_slot rules;
  actors::card_environment env;
  std::unique_ptr<actors::card_directory> directory;
  service::backlog_bounds bounds;
};

TEST_F(backlog, a_stalled_store_stops_the_queue_at_its_bound_and_refuses_the_rest) {
  auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
  std::size_t most = 0;
  for (int i = 0; i < 500; ++i) {
    offer(i);
    writer.write_pending(t);  // fails: the batch is kept, the rest waits
    most = std::max(most, queue.bytes());
  }
  auto decided = stats.decided();
  EXPECT_GT(decided, 0u);
  EXPECT_LT(decided, 500u);
  EXPECT_EQ(stats.rejected_overloaded.get(), 500u - decided);
  EXPECT_GE(most, bound) << "filled up to the bound";
  EXPECT_LT(most, bound + 64) << "and stopped there (one decision more)";
  EXPECT_EQ(stats.store_dropped.get(), 0u);
  EXPECT_EQ(queue.unsettled(), decided) << "every decision made is kept";
  EXPECT_GT(stats.store_errors.get(), 0u);

  // The disk recovers: everything kept is written, and transactions are
  // taken again.
  store.stalled = false;
  while (writer.write_pending(t + std::chrono::minutes{1}) > 0)
    ;  // the store actor's ticks
  EXPECT_EQ(store.rows.size(), decided);
  EXPECT_EQ(stats.store_written.get(), decided);
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_FALSE(bounds.check());
  offer(1000);
  EXPECT_EQ(stats.decided(), decided + 1);
}

// Snapshots not yet written (queued at passivation, or pending behind a
// writer that cannot write) count against their own bound.
TEST(backlog_bounds, card_snapshots_not_written_count_against_their_bound) {
  actors::counters stats;
  actors::store_queue queue{1000};
  actors::pending_snapshots pending{queue, stats};
  service::backlog_bounds bounds;
  bounds.snapshots = &pending;
  bounds.snapshot_bytes = 2048;
  std::string record;
  int queued = 0;
  while (!bounds.check()) {
    actors::encode_snapshot_record("card-" + std::to_string(queued),
                                   std::string(200, 's'), record);
    ASSERT_TRUE(queue.push(record));
    if (++queued % 3 == 0)
      pending.absorb_queue();  // as the writer does: pending now
  }
  auto err = bounds.check();
  EXPECT_EQ(err.code(), ec::overloaded);
  EXPECT_NE(err.what().find("--snapshot-queue-mb"), std::string::npos);
  EXPECT_GE(pending.bytes(), 2048u);
  EXPECT_LT(pending.bytes(), 2048u + 400u);
  std::vector<actors::pending_snapshots::item> batch;
  pending.take(1000, batch);
  EXPECT_EQ(batch.size(), static_cast<std::size_t>(queued));
  pending.written(batch);
  EXPECT_EQ(pending.bytes(), 0u);
  EXPECT_FALSE(bounds.check());
}

} // namespace
