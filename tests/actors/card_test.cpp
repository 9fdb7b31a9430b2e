// Card actors under CAF's deterministic test coordinator: no threads, no
// NATS; every message is delivered when the test says so.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/decision_store.hpp"
#include "actors/runtime/card_directory.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/recording_sink.hpp"
#include "tests/support/test_coordinator.hpp"

namespace {

using namespace fraud;
using test::card_tx;
using test::fired;
using test::located;
using test::london;

// The store's persistence in memory: keeps the first record of a tx_id.
// With `failing` set, every write fails as a full disk would.
class memory_backend : public actors::store_backend {
public:
  fraud::expected<std::size_t>
  write(const std::vector<std::string_view>& batch) override {
    ++batches;
    if (failing)
      return make_error(ec::store_error, "database or disk is full");
    std::size_t added = 0;
    for (auto record : batch) {
      auto id = std::string{record.substr(0, record.find(':'))};
      added += rows.emplace(id, std::string{record}).second ? 1 : 0;
    }
    return added;
  }
  fraud::expected<std::size_t> purge_before(std::int64_t) override {
    return std::size_t{0};
  }
  std::map<std::string, std::string> rows;
  int batches = 0;
  bool failing = false;
};

// A ruleset that names itself and approves everything: tells which version
// scored a transaction without depending on the default rules.
class named_ruleset : public models::ruleset {
public:
  explicit named_ruleset(std::string v) : version_(std::move(v)) {
  }
  const std::string& version() const override { return version_; }
  void evaluate(const models::features& f,
                models::evaluation& out) const override {
    out = models::evaluation{};
    out.score = static_cast<int>(f.count_24h); // exposes the card's history
  }

private:
  std::string version_;
};

class card_actors : public ::testing::Test {
protected:
  card_actors()
    : sys(cfg),
      sched(test::coordinator_of(sys)),
      rules(models::make_default_ruleset()),
      env{&sink, &rules, &stats},
      directory(sys, env) {
  }

  void send(models::transaction t, std::string reply = "") {
    actors::score_request r;
    r.tx = std::move(t);
    r.reply_to = std::move(reply);
    directory.route(std::move(r));
  }

  test::test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  test::recording_sink sink;
  actors::counters stats;
  actors::ruleset_slot rules;
  actors::card_environment env;
  actors::card_directory directory;
};

TEST_F(card_actors, a_card_remembers_where_it_was) {
  send(card_tx("card-a", 0));
  send(located(card_tx("card-a", 10), london));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 2u);
  EXPECT_FALSE(fired(sink.decision_for("card-a-0"), "impossible_travel"));
  auto& second = sink.decision_for("card-a-10");
  EXPECT_TRUE(fired(second, "impossible_travel"));
  EXPECT_NE(second.action, models::action::approve);
  EXPECT_EQ(second.ruleset_version, "default-1");
}

TEST_F(card_actors, cards_do_not_affect_each_other) {
  // The same two places, but on two cards: nothing to see.
  send(card_tx("card-a", 0));
  send(located(card_tx("card-b", 10), london));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 2u);
  for (auto& d : sink.decisions) {
    EXPECT_TRUE(d.reasons.empty()) << d.tx_id;
    EXPECT_EQ(d.action, models::action::approve);
  }
  EXPECT_EQ(stats.cards_activated.get(), 2u);
}

TEST_F(card_actors, one_actor_per_card_activated_on_first_use) {
  EXPECT_EQ(directory.size(), 0u);
  for (int i = 0; i < 5; ++i)
    send(card_tx("card-a", i * 600));
  send(card_tx("card-b", 0));
  sched.run();
  EXPECT_EQ(directory.size(), 2u);
  EXPECT_EQ(stats.cards_activated.get(), 2u);
  EXPECT_EQ(stats.routed.get(), 6u);
  EXPECT_EQ(stats.decided(), 6u);
  EXPECT_EQ(stats.approved.get(), 6u);
}

TEST_F(card_actors, transactions_of_a_card_are_scored_in_arrival_order) {
  rules.set(std::make_shared<named_ruleset>("history"));
  for (int i = 0; i < 20; ++i)
    send(card_tx("card-a", i));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(sink.decisions[i].tx_id, "card-a-" + std::to_string(i));
    // the i-th transaction sees i earlier ones plus itself
    EXPECT_EQ(sink.decisions[i].score, i + 1);
  }
}

TEST_F(card_actors, interleaved_cards_keep_separate_histories) {
  rules.set(std::make_shared<named_ruleset>("history"));
  for (int i = 0; i < 6; ++i) {
    send(card_tx("card-a", i));
    if (i % 2 == 0)
      send(card_tx("card-b", i));
  }
  sched.run();
  EXPECT_EQ(sink.decision_for("card-a-5").score, 6);
  EXPECT_EQ(sink.decision_for("card-b-4").score, 3);
}

TEST_F(card_actors, a_new_ruleset_applies_to_the_next_transaction) {
  send(card_tx("card-a", 0));
  sched.run();
  rules.set(std::make_shared<named_ruleset>("v2"));
  send(card_tx("card-a", 1));
  sched.run();
  EXPECT_EQ(sink.decision_for("card-a-0").ruleset_version, "default-1");
  EXPECT_EQ(sink.decision_for("card-a-1").ruleset_version, "v2");
}

TEST_F(card_actors, the_reply_subject_travels_with_the_request) {
  send(card_tx("card-a", 0), "_INBOX.reply.1");
  send(card_tx("card-a", 1));
  sched.run();
  ASSERT_EQ(sink.reply_subjects.size(), 2u);
  EXPECT_EQ(sink.reply_subjects[0], "_INBOX.reply.1");
  EXPECT_EQ(sink.reply_subjects[1], "");
}

class card_actors_with_store : public card_actors {
protected:
  card_actors_with_store() : queue(1000) {
    sink.queue = &queue;
    actors::store_environment se;
    se.queue = &queue;
    se.backend = &backend;
    se.stats = &stats;
    store = sys.spawn(actors::decision_store, se);
    sched.run();
  }

  ~card_actors_with_store() override {
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    sched.run();
    // Pending request timeouts hold their actors until they fire.
    for (int i = 0; i < 10 && sched.trigger_timeouts(); ++i)
      sched.run();
  }

  actors::store_queue queue;
  memory_backend backend;
  actors::decision_store_actor store;
};

TEST_F(card_actors_with_store, decisions_reach_the_store_on_its_tick) {
  send(card_tx("card-a", 0));
  send(card_tx("card-b", 0));
  sched.run();
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_TRUE(backend.rows.empty()) << "written before the store's tick";
  sched.trigger_timeouts();
  sched.run();
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(backend.rows.size(), 2u);
  EXPECT_EQ(backend.batches, 1) << "both decisions in one batch";
  EXPECT_EQ(stats.store_written.get(), 2u);
}

TEST_F(card_actors, a_resent_transaction_gets_its_first_decision) {
  send(card_tx("card-a", 0), "_INBOX.1");
  sched.run();
  // Re-sent, from London ten minutes later: were it scored again, it
  // would be impossible travel and change the card's history.
  auto again = located(card_tx("card-a", 0), london);
  again.event_time_ms += 600'000;
  send(again, "_INBOX.2");
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 1u);
  ASSERT_EQ(sink.duplicates.size(), 1u);
  EXPECT_EQ(sink.duplicates[0], "card-a-0:approve:0");
  EXPECT_EQ(sink.reply_subjects.back(), "_INBOX.2");
  EXPECT_EQ(stats.duplicates.get(), 1u);
  EXPECT_EQ(stats.decided(), 1u);
  // The card's history holds one transaction, in New York.
  send(card_tx("card-a", 20));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 2u);
  EXPECT_FALSE(fired(sink.decisions[1], "impossible_travel"));
}

TEST_F(card_actors, transactions_after_a_resend_wait_their_turn) {
  rules.set(std::make_shared<named_ruleset>("history"));
  send(card_tx("card-a", 0));
  sched.run();
  send(card_tx("card-a", 0)); // re-sent
  send(card_tx("card-a", 1)); // must not overtake it
  sched.run();
  ASSERT_EQ(sink.duplicates.size(), 1u);
  ASSERT_EQ(sink.decisions.size(), 2u);
  EXPECT_EQ(sink.decisions[1].tx_id, "card-a-1");
  EXPECT_EQ(sink.decisions[1].score, 2) << "history: two transactions";
}

TEST_F(card_actors_with_store, flush_writes_everything_queued_now) {
  for (int i = 0; i < 5; ++i)
    send(card_tx("card-" + std::to_string(i), 0));
  sched.run();
  caf::scoped_actor self{sys};
  self->send(store, actors::flush_atom::value);
  sched.run();
  self->receive([](std::uint64_t written) { EXPECT_EQ(written, 5u); });
  EXPECT_EQ(backend.rows.size(), 5u);
}

TEST_F(card_actors_with_store, store_written_counts_rows_stored_not_queued) {
  send(card_tx("card-a", 0));
  sched.run();
  queue.push("card-a-0:approve:0");  // the same tx_id again: kept first
  sched.trigger_timeouts();
  sched.run();
  EXPECT_EQ(backend.rows.size(), 1u);
  EXPECT_EQ(stats.store_written.get(), 1u);
  EXPECT_EQ(queue.unsettled(), 0u);
}

// Ten decisions queued for a writer (batches of four) whose disk is full.
struct writer_on_a_full_disk {
  writer_on_a_full_disk(int retry_min_ms, int retry_max_ms)
    : writer(environment(retry_min_ms, retry_max_ms)) {
    for (int i = 0; i < 10; ++i)
      queue.push("tx-" + std::to_string(i) + ":a:0");
    backend.failing = true;
  }
  actors::store_environment environment(int min_ms, int max_ms) {
    actors::store_environment se;
    se.queue = &queue;
    se.backend = &backend;
    se.stats = &stats;
    se.max_batch = 4;
    se.retry_min = std::chrono::milliseconds{min_ms};
    se.retry_max = std::chrono::milliseconds{max_ms};
    return se;
  }
  actors::store_queue queue{100};
  memory_backend backend;
  actors::counters stats;
  actors::decision_writer writer;
};

// A full disk: the batch is kept and written again once there is room;
// nothing that fits the queue is lost, and nothing is counted dropped.
TEST(decision_writer, keeps_a_failed_batch_and_writes_it_when_the_disk_recovers) {
  writer_on_a_full_disk w{100, 400};
  auto& [queue, backend, stats, writer] = w;
  auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
  EXPECT_EQ(writer.write_pending(t), 0u);
  EXPECT_EQ(writer.retained(), 4u);
  EXPECT_EQ(stats.store_errors.get(), 1u);
  // Within the back-off nothing is tried; after it, one try, and the
  // back-off doubles up to retry_max.
  writer.write_pending(t + std::chrono::milliseconds{50});
  EXPECT_EQ(backend.batches, 1);
  writer.write_pending(t + std::chrono::milliseconds{100});
  EXPECT_EQ(backend.batches, 2);
  writer.write_pending(t + std::chrono::milliseconds{250});
  EXPECT_EQ(backend.batches, 2) << "second back-off is 200 ms";
  writer.write_pending(t + std::chrono::milliseconds{300});
  EXPECT_EQ(backend.batches, 3);
  EXPECT_EQ(queue.unsettled(), 10u);
  EXPECT_EQ(stats.store_failing.get(), 3u) << "what /readyz reads";
  backend.failing = false;
  EXPECT_EQ(writer.write_pending(t + std::chrono::seconds{10}), 10u);
  EXPECT_EQ(stats.store_failing.get(), 0u);
  EXPECT_EQ(backend.rows.size(), 10u);
  EXPECT_EQ(stats.store_written.get(), 10u);
  EXPECT_EQ(stats.store_dropped.get(), 0u);
  EXPECT_EQ(queue.unsettled(), 0u);
  EXPECT_EQ(writer.retained(), 0u);
}

TEST(decision_writer, a_final_flush_that_cannot_write_counts_what_is_lost) {
  writer_on_a_full_disk w{5, 20};
  auto& [queue, backend, stats, writer] = w;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(writer.flush_all(start + std::chrono::milliseconds{100}), 10u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{2});
  EXPECT_GE(backend.batches, 3) << "retried until the deadline";
  EXPECT_EQ(stats.store_dropped.get(), 10u);
  EXPECT_EQ(queue.unsettled(), 0u);
}

TEST(store_queue, refuses_beyond_capacity_and_gives_back_in_order) {
  actors::store_queue q{3};
  EXPECT_TRUE(q.push("a"));
  EXPECT_TRUE(q.push("b"));
  EXPECT_TRUE(q.push("c"));
  EXPECT_FALSE(q.push("d"));
  EXPECT_EQ(q.size(), 3u);
  std::string order;
  while (auto* n = q.pop()) {
    order += std::string{n->payload()};
    actors::store_queue::release(n);
  }
  EXPECT_EQ(order, "abc");
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.push("e"));
}

// Bounded in bytes too: each payload counts with its node's header, and
// what the consumer takes is given back.
TEST(store_queue, refuses_beyond_its_bytes_and_counts_them_back) {
  constexpr auto node = sizeof(actors::store_queue::node);
  actors::store_queue q{100, 3 * (node + 10)};
  EXPECT_TRUE(q.push(std::string(10, 'a')));
  EXPECT_TRUE(q.push(std::string(10, 'b')));
  EXPECT_FALSE(q.push(std::string(11, 'c'))) << "one byte over";
  EXPECT_TRUE(q.push(std::string(10, 'c')));
  EXPECT_FALSE(q.push(""));
  EXPECT_EQ(q.bytes(), 3 * (node + 10));
  EXPECT_EQ(q.size(), 3u);
  auto* n = q.pop();
  ASSERT_NE(n, nullptr);
  actors::store_queue::release(n);
  EXPECT_EQ(q.bytes(), 2 * (node + 10));
  EXPECT_TRUE(q.push(std::string(10, 'd')));
  while (auto* m = q.pop())
    actors::store_queue::release(m);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(store_queue, many_producers_lose_nothing) {
  actors::store_queue q{1'000'000};
  constexpr int producers = 4, each = 20'000;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&q, p] {
      for (int i = 0; i < each; ++i)
        q.push(std::to_string(p) + ":" + std::to_string(i));
    });
  std::vector<int> next(producers, 0);
  int popped = 0;
  auto drain = [&] {
    while (auto* n = q.pop()) {
      auto s = std::string{n->payload()};
      auto p = std::stoi(s.substr(0, s.find(':')));
      auto i = std::stoi(s.substr(s.find(':') + 1));
      EXPECT_EQ(i, next[p]) << "per-producer order";
      next[p] = i + 1;
      ++popped;
      actors::store_queue::release(n);
    }
  };
  while (popped < producers * each) {
    drain();
    std::this_thread::yield();
  }
  for (auto& t : threads)
    t.join();
  drain();
  EXPECT_EQ(popped, producers * each);
}

TEST_F(card_actors, nothing_is_scored_until_delivered) {
  send(card_tx("card-a", 0));
  EXPECT_EQ(sink.decisions.size(), 0u);
  EXPECT_TRUE(sched.try_run_once());
  EXPECT_EQ(sink.decisions.size(), 1u);
}

} // namespace
