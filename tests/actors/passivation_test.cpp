// Passivation and restore of card actors, under the deterministic test
// coordinator: the snapshot store keeps its snapshots in memory here.
#include <gtest/gtest.h>

#include <map>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/decision_reads.hpp"
#include "actors/runtime/card_directory.hpp"
#include "actors/snapshot_writer.hpp"
#include "models/card_snapshot.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/recording_sink.hpp"
#include "tests/support/test_coordinator.hpp"

namespace {

using namespace fraud;
using test::card_tx;
using test::located;
using test::london;

// Stored first decisions, as card actors read them for re-sends.
class memory_decisions : public actors::decision_reads {
public:
  fraud::expected<std::string> find(const std::string& tx_id) override {
    ++reads;
    if (failure)
      return failure;
    auto i = rows.find(tx_id);
    return i == rows.end() ? std::string{} : i->second;
  }
  std::map<std::string, std::string> rows;
  fraud::error failure;
  int reads = 0;
};

class memory_snapshots : public actors::snapshot_backend {
public:
  fraud::error
  write(const std::vector<std::pair<std::string_view, std::string_view>>&
          rows) override {
    ++writes;
    for (auto& [card, bytes] : rows)
      cards[std::string{card}] = std::string{bytes};
    return fraud::error{};
  }
  fraud::expected<std::string> read(const std::string& card_id) override {
    auto i = cards.find(card_id);
    return i == cards.end() ? std::string{} : i->second;
  }
  fraud::error erase(const std::string& card_id) override {
    cards.erase(card_id);
    return fraud::error{};
  }
  fraud::error
  for_each_card(const std::function<void(std::string_view)>& f) override {
    for (auto& [card, _] : cards)
      f(card);
    return fraud::error{};
  }
  std::map<std::string, std::string> cards;
  int writes = 0;
};

class passivation : public ::testing::Test {
protected:
  passivation()
    : sys(cfg),
      sched(test::coordinator_of(sys)),
      rules(models::make_default_ruleset()),
      queue(10'000),
      pending(queue, stats),
      filter(1 << 16) {
    actors::snapshot_environment se;
    se.pending = &pending;
    se.backend = &backend;
    se.stats = &stats;
    se.absorb_interval = se.interval;  // every tick writes
    writer = sys.spawn(actors::snapshot_writer, se);
    env.sink = &sink;
    env.rules = &rules;
    env.stats = &stats;
    env.snapshot_queue = &queue;
    env.pending = &pending;
    env.snapshot_reads = &backend;
    env.filter = &filter;
    sched.run();
  }

  ~passivation() override {
    directory.reset();
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched.run();
    for (int i = 0; i < 10 && sched.trigger_timeouts(); ++i)
      sched.run();
  }

  // run_inline: --dispatch inline (the routing thread decides idle cards).
  void use(actors::directory_limits limits, bool run_inline = false) {
    directory = std::make_unique<actors::card_directory>(sys, env, limits,
                                                         run_inline);
  }

  void send(models::transaction tx, std::int64_t now_ns = 0) {
    actors::score_request r;
    r.tx = std::move(tx);
    directory->route(std::move(r), now_ns);
  }

  bool fired(const std::string& tx_id, const std::string& rule) {
    return test::fired(sink.decision_for(tx_id), rule);
  }

  test::test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  test::recording_sink sink;
  actors::counters stats;
  actors::ruleset_slot rules;
  actors::store_queue queue;
  actors::pending_snapshots pending;
  actors::card_filter filter;
  memory_snapshots backend;
  actors::snapshot_writer_actor writer;
  actors::card_environment env;
  std::unique_ptr<actors::card_directory> directory;
};

TEST_F(passivation, the_least_recently_used_card_gives_way_at_the_cap) {
  use({2, 0, 4096});
  send(card_tx("card-a", 0));
  send(card_tx("card-b", 0));
  sched.run();
  send(card_tx("card-c", 1));
  sched.run();
  EXPECT_EQ(directory->size(), 2u);
  EXPECT_EQ(stats.passivations.get(), 1u);
  EXPECT_FALSE(directory->find("card-a")) << "card-a was least recent";
  // card-a comes back with its history: London ten minutes after New York.
  send(located(card_tx("card-a", 10), london));
  sched.run();
  EXPECT_TRUE(fired("card-a-10", "impossible_travel"));
  EXPECT_EQ(stats.restored.get(), 1u);
  EXPECT_EQ(directory->size(), 2u);
}

TEST_F(passivation, idle_cards_are_passivated_by_the_sweep) {
  use({0, 1'000'000'000, 4096});  // idle after one second
  send(card_tx("card-a", 0), 0);
  send(card_tx("card-b", 0), 900'000'000);
  sched.run();
  EXPECT_EQ(directory->sweep_idle(1'500'000'000), 1u);
  EXPECT_FALSE(directory->find("card-a"));
  EXPECT_TRUE(directory->find("card-b"));
  sched.run();
  send(located(card_tx("card-a", 10), london), 2'000'000'000);
  sched.run();
  EXPECT_TRUE(fired("card-a-10", "impossible_travel"));
}

// Over many cards (the table's hand choosing among a window of them), the
// cap holds, the cards in use stay, and every card passivated comes back
// with its history.
TEST_F(passivation, at_the_cap_cards_in_use_stay_and_the_others_come_back) {
  use({50, 0, 4096});
  for (int c = 0; c < 400; ++c) {
    send(card_tx("card-" + std::to_string(c), 0), c);
    // card-hot-N is used after every new card: always recent
    send(card_tx("card-hot-" + std::to_string(c % 5), c), c);
    sched.run();
    ASSERT_LE(directory->size(), 50u);
  }
  for (int h = 0; h < 5; ++h)
    EXPECT_TRUE(directory->find("card-hot-" + std::to_string(h))) << h;
  EXPECT_EQ(stats.passivations.get(), 405u - 50u);
  sched.trigger_timeouts();  // the snapshot writer's tick
  sched.run();
  send(located(card_tx("card-7", 10), london), 1000);
  sched.run();
  EXPECT_TRUE(fired("card-7-10", "impossible_travel"));
  EXPECT_GE(stats.restored.get(), 1u);
}

// The idle sweep in slices, as the ingress thread does it between
// transactions: cards used during the sweep stay, the idle ones are
// passivated and come back with their history.
TEST_F(passivation, a_sliced_sweep_passivates_the_idle_and_keeps_the_used) {
  use({0, 1'000'000'000, 4096});
  for (int c = 0; c < 300; ++c)
    send(card_tx("card-" + std::to_string(c), 0), 0);
  sched.run();
  directory->request_sweep(2'000'000'000);
  // used after the sweep's `now` was taken, before its first slice
  for (int c = 0; c < 300; c += 60)
    send(card_tx("card-" + std::to_string(c), 1), 1'900'000'000);
  int slices = 0;
  while (directory->sweep_slice(16)) {
    ++slices;
    // a new card between slices: not idle
    send(card_tx("card-new-" + std::to_string(slices), 1), 1'900'000'000);
    sched.run();
  }
  EXPECT_GE(slices, 295 / 16);
  EXPECT_EQ(stats.passivations.get(), 295u);
  EXPECT_EQ(directory->size(), 5u + slices);
  for (int c = 0; c < 300; c += 60)
    EXPECT_TRUE(directory->find("card-" + std::to_string(c))) << c;
  for (int s = 1; s <= slices; ++s)
    EXPECT_TRUE(directory->find("card-new-" + std::to_string(s))) << s;
  EXPECT_FALSE(directory->upkeep_due());
  sched.trigger_timeouts();
  sched.run();
  send(located(card_tx("card-1", 10), london), 3'000'000'000);
  sched.run();
  EXPECT_TRUE(fired("card-1-10", "impossible_travel"));
}

TEST_F(passivation, a_card_long_gone_is_restored_from_the_store) {
  use({1, 0, 0});  // no memory of stopping actors: always from the store
  send(card_tx("card-a", 0));
  sched.run();
  send(card_tx("card-b", 0));  // passivates card-a
  sched.run();
  sched.trigger_timeouts();  // the snapshot writer's tick writes to disk
  sched.run();
  EXPECT_EQ(backend.cards.count("card-a"), 1u);
  send(located(card_tx("card-a", 10), london));
  sched.run();
  EXPECT_TRUE(fired("card-a-10", "impossible_travel"));
  EXPECT_EQ(stats.restored.get(), 1u);
}

TEST_F(passivation, a_new_card_starts_without_asking_the_store) {
  use({});
  send(card_tx("card-new", 0));
  // One step runs the card actor: it scored without waiting for a load.
  EXPECT_TRUE(sched.try_run_once());
  EXPECT_EQ(sink.decisions.size(), 1u);
  EXPECT_EQ(stats.restored.get(), 0u);
}

// In a cluster another instance may have written any card: without a
// filter, every activation asks the store.
TEST_F(passivation, without_a_filter_every_card_asks_the_store) {
  env.filter = nullptr;
  use({});
  send(card_tx("card-new", 0));
  sched.run();
  EXPECT_EQ(sink.decisions.size(), 1u);
  EXPECT_EQ(stats.restored.get(), 0u) << "nothing stored: a new card";
  // Written by someone else: no filter here ever saw card-x.
  models::card_state card;
  card.apply(card_tx("card-x", 0));
  models::recent_ids recent;
  std::string bytes;
  models::save_snapshot(card, recent, bytes);
  backend.cards["card-x"] = bytes;
  send(located(card_tx("card-x", 10), london));
  sched.run();
  EXPECT_EQ(stats.restored.get(), 1u);
  EXPECT_TRUE(fired("card-x-10", "impossible_travel"));
}

TEST_F(passivation, a_successor_waits_for_its_predecessor) {
  use({1, 0, 4096});
  // Nothing runs in between: card-a's first actor is still holding its
  // transaction when it is passivated and a new actor takes over.
  send(card_tx("card-a", 0));
  send(card_tx("card-b", 0));
  send(located(card_tx("card-a", 10), london));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 3u);
  EXPECT_TRUE(fired("card-a-10", "impossible_travel"));
}

TEST_F(passivation, a_corrupted_snapshot_is_reported_and_the_card_starts_fresh) {
  use({});
  backend.cards["card-z"] = "FS\x01 this is not a snapshot";
  filter.add("card-z");
  send(card_tx("card-z", 0));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 1u);
  EXPECT_EQ(sink.decisions[0].action, models::action::approve);
  EXPECT_EQ(stats.snapshot_corrupt.get(), 1u);
  EXPECT_EQ(stats.restored.get(), 0u);
}

TEST_F(passivation, snapshots_are_written_behind_newest_per_card) {
  use({});
  for (int i = 0; i < 5; ++i)
    send(card_tx("card-a", i));
  send(card_tx("card-b", 0));
  sched.run();
  EXPECT_TRUE(backend.cards.empty());
  sched.trigger_timeouts();
  sched.run();
  EXPECT_EQ(backend.writes, 1);
  EXPECT_EQ(backend.cards.size(), 2u);
  EXPECT_EQ(stats.snapshots_written.get(), 2u) << "one per card, the newest";
}

// Whether a snapshot holds the state after the transaction `tx_id`.
bool holds(const std::string& snapshot, const std::string& tx_id) {
  models::card_state card;
  models::recent_ids recent;
  if (models::load_snapshot(snapshot, card, recent))
    return false;
  return recent.maybe_contains(tx_id);
}

// However many transactions a card has in an interval, its state is
// encoded once, by the writer at the interval's end (none per
// transaction), and written once: the newest. An unchanged card is not
// encoded again.
TEST_F(passivation, many_transactions_in_an_interval_are_encoded_and_written_once) {
  use({});
  for (int i = 0; i < 50; ++i)
    send(card_tx("card-a", i));
  sched.run();
  EXPECT_EQ(sink.decisions.size(), 50u);
  EXPECT_EQ(stats.snapshots_encoded.get(), 0u) << "none per transaction";
  EXPECT_EQ(pending.size(), 1u) << "one card dirty";
  sched.trigger_timeouts();  // the interval's end
  sched.run();
  EXPECT_EQ(stats.snapshots_encoded.get(), 1u);
  EXPECT_EQ(stats.snapshots_written.get(), 1u);
  EXPECT_EQ(backend.writes, 1);
  EXPECT_TRUE(holds(backend.cards["card-a"], "card-a-49"));
  EXPECT_EQ(pending.size(), 0u);
  sched.trigger_timeouts();
  sched.run();
  EXPECT_EQ(stats.snapshots_encoded.get(), 1u) << "unchanged: not again";
  EXPECT_EQ(backend.writes, 1);
  for (int i = 50; i < 60; ++i)
    send(card_tx("card-a", i));
  sched.run();
  sched.trigger_timeouts();
  sched.run();
  EXPECT_EQ(stats.snapshots_encoded.get(), 2u);
  EXPECT_EQ(stats.snapshots_written.get(), 2u);
  EXPECT_TRUE(holds(backend.cards["card-a"], "card-a-59"));
}

// A card being passivated encodes and queues its newest state at once (its
// next activation finds it), and the writer writes it with the interval's
// without encoding it again.
TEST_F(passivation, a_passivated_card_queues_its_state_at_once) {
  use({1, 0, 4096});
  for (int i = 0; i < 5; ++i)
    send(card_tx("card-a", i));
  sched.run();
  send(card_tx("card-b", 0));  // over the cap: card-a is passivated
  sched.run();
  EXPECT_EQ(stats.passivations.get(), 1u);
  EXPECT_EQ(stats.snapshots_encoded.get(), 1u) << "card-a, as it stopped";
  std::string bytes;
  ASSERT_TRUE(pending.find("card-a", bytes));
  EXPECT_TRUE(holds(bytes, "card-a-4"));
  EXPECT_EQ(pending.count([](const std::string&) { return true; }), 2u)
    << "card-a queued, card-b dirty";
  sched.trigger_timeouts();
  sched.run();
  EXPECT_EQ(stats.snapshots_encoded.get(), 2u) << "card-b; card-a not again";
  EXPECT_EQ(stats.snapshots_written.get(), 2u);
  EXPECT_TRUE(holds(backend.cards["card-a"], "card-a-4"));
  EXPECT_TRUE(holds(backend.cards["card-b"], "card-b-0"));
}

// At shutdown, a flush writes the cards changed since the last interval,
// and a card stopped without passivation (its actor killed) is written
// too: the writer holds its state until it is encoded.
TEST_F(passivation, a_flush_writes_every_card_changed_since_the_interval) {
  use({});
  send(card_tx("card-a", 0));
  send(card_tx("card-b", 0));
  sched.run();
  auto a = directory->find("card-a");
  ASSERT_TRUE(a);
  caf::anon_send_exit(*a, caf::exit_reason::kill);
  sched.run();
  caf::scoped_actor self{sys};
  self->send(writer, actors::flush_atom::value);
  sched.run();
  std::uint64_t written = 0;
  self->receive([&](std::uint64_t n) { written = n; });
  EXPECT_EQ(written, 2u);
  EXPECT_TRUE(holds(backend.cards["card-a"], "card-a-0"));
  EXPECT_TRUE(holds(backend.cards["card-b"], "card-b-0"));
  EXPECT_EQ(pending.size(), 0u);
}

// Re-sent transactions: answered with the first decision, from the card's
// memory while it lives and from the store after it was passivated; never
// scored a second time, whatever the store says.
// --dispatch inline: once a card's actor has started and has nothing in its
// mailbox, the routing thread decides the card's transactions on its cell,
// without a message; the state is the actor's, as its next message sees.
TEST_F(passivation, inline_an_idle_card_is_decided_without_a_message) {
  use({}, true);
  send(card_tx("card-a", 0));  // starts the actor: through its mailbox
  EXPECT_EQ(directory->decided_here(), 0u);
  for (int i = 1; i <= 3; ++i)
    send(card_tx("card-a", i));
  send(located(card_tx("card-a", 10), london));
  EXPECT_EQ(directory->decided_here(), 4u);
  ASSERT_EQ(sink.decisions.size(), 5u);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(sink.decisions[i].tx_id, "card-a-" + std::to_string(i));
  EXPECT_TRUE(fired("card-a-10", "impossible_travel"))
    << "the history the actor's first transaction left";
  EXPECT_EQ(stats.routed.get(), 5u);
  EXPECT_EQ(stats.decided(), 5u);
  // The actor answers a query with what the routing thread decided.
  auto actor = directory->find("card-a");
  ASSERT_TRUE(actor);
  models::card_summary summary;
  sys.spawn([&](caf::event_based_actor* self) {
    self->request(*actor, caf::infinite, actors::summary_atom::value)
      .then([&](const models::card_summary& s) { summary = s; });
  });
  sched.run();
  EXPECT_EQ(summary.tx_count, 4u) << "four approved, one not";
}

// What is routed while the card's actor waits (here for its predecessor's
// hand-off) goes through the mailbox behind what waits, in order; once
// the actor is idle again, the routing thread decides the next.
TEST_F(passivation, inline_what_comes_while_the_actor_waits_queues_behind) {
  use({1, 0, 4096}, true);
  send(card_tx("card-a", 0));
  send(card_tx("card-b", 0));  // passivates card-a; its actor not run yet
  send(located(card_tx("card-a", 10), london));  // a successor, waiting
  send(located(card_tx("card-a", 11), london));
  EXPECT_EQ(directory->decided_here(), 0u);
  EXPECT_EQ(sink.decisions.size(), 2u) << "card-a-10 and -11 wait";
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 4u);
  EXPECT_EQ(sink.decisions[2].tx_id, "card-a-10");
  EXPECT_EQ(sink.decisions[3].tx_id, "card-a-11");
  EXPECT_TRUE(fired("card-a-10", "impossible_travel"))
    << "decided after its predecessor's state came back";
  send(located(card_tx("card-a", 12), london));
  EXPECT_EQ(directory->decided_here(), 1u);
  ASSERT_EQ(sink.decisions.size(), 5u);
  EXPECT_EQ(sink.decisions[4].tx_id, "card-a-12");
}

class resends : public passivation {
protected:
  resends() : decision_queue(100) {
    sink.queue = &decision_queue;
    env.decisions = &stored;
    env.decision_queue = &decision_queue;
  }

  // What the decision store does: writes what is queued.
  void store_everything() {
    while (auto* n = decision_queue.pop()) {
      auto record = std::string{n->payload()};
      stored.rows.emplace(record.substr(0, record.find(':')), record);
      actors::store_queue::release(n);
      decision_queue.settle(1);
    }
  }

  // card-a scores card-a-0 and `later` more, then is passivated (and its
  // snapshot written). Its snapshot keeps the first decisions of its last
  // two transactions: card-a-0's, with two more after it, only the store
  // has.
  void score_then_passivate(int later = 2) {
    use({1, 0, 0});
    for (int i = 0; i <= later; ++i)
      send(card_tx("card-a", i));
    sched.run();
    send(card_tx("card-b", 0));
    sched.run();
    sched.trigger_timeouts();
    sched.run();
    ASSERT_EQ(backend.cards.count("card-a"), 1u);
    ASSERT_EQ(sink.decisions.size(), static_cast<std::size_t>(later) + 2);
    scored = sink.decisions.size();
  }

  actors::store_queue decision_queue;
  memory_decisions stored;
  std::size_t scored = 0;  // decisions made by score_then_passivate
};

TEST_F(resends, a_live_card_answers_from_memory_without_the_store) {
  use({});
  send(card_tx("card-a", 0));
  sched.run();
  // The store has written nothing: the answer cannot depend on it.
  send(located(card_tx("card-a", 0), london));  // re-sent, from elsewhere
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 1u) << "scored twice";
  ASSERT_EQ(sink.duplicates.size(), 1u);
  EXPECT_EQ(sink.duplicates[0], "card-a-0:approve:0");
  EXPECT_EQ(stored.reads, 0);
  EXPECT_EQ(stats.duplicates.get(), 1u);
  EXPECT_EQ(stats.resend_reads.get(), 0u);
}

TEST_F(resends, the_last_two_from_memory_older_ones_from_the_store) {
  use({});
  for (int i = 0; i < 8; ++i)
    send(card_tx("card-a", i));
  sched.run();
  store_everything();
  for (int i = 0; i < 8; ++i)
    send(card_tx("card-a", i));
  sched.run();
  EXPECT_EQ(sink.decisions.size(), 8u) << "scored twice";
  EXPECT_EQ(sink.duplicates.size(), 8u);
  EXPECT_EQ(stored.reads, 6);
}

TEST_F(resends, a_passivated_card_reads_the_first_decision_from_the_store) {
  score_then_passivate();
  store_everything();
  send(located(card_tx("card-a", 0), london));
  sched.run();
  EXPECT_EQ(sink.decisions.size(), scored) << "card-a-0 scored twice";
  ASSERT_EQ(sink.duplicates.size(), 1u);
  EXPECT_EQ(sink.duplicates[0], "card-a-0:approve:0");
  EXPECT_EQ(stats.resend_reads.get(), 1u);
  send(located(card_tx("card-a", 0), london));
  sched.run();
  EXPECT_EQ(sink.duplicates.size(), 2u);
  EXPECT_EQ(stored.reads, 2) << "kept out of memory: the latest stay";
}

// After a failover the card activates on an instance whose decision store
// never saw its decisions: its snapshot brings the latest ones along.
TEST_F(resends, a_restored_card_answers_its_last_resends_from_its_snapshot) {
  score_then_passivate(1);  // card-a-0, card-a-1; nothing stored
  use({});  // a directory of its own, as on the instance taking over
  stored.failure = make_error(ec::store_error, "another instance's store");
  for (int i : {1, 0}) {
    send(located(card_tx("card-a", i), london));
    sched.run();
  }
  EXPECT_EQ(stats.restored.get(), 1u);
  EXPECT_EQ(sink.decisions.size(), scored) << "a re-send scored again";
  EXPECT_TRUE(sink.refusals.empty());
  ASSERT_EQ(sink.duplicates.size(), 2u);
  EXPECT_EQ(sink.duplicates[0], "card-a-1:approve:0");
  EXPECT_EQ(sink.duplicates[1], "card-a-0:approve:0");
  EXPECT_EQ(stored.reads, 0) << "answered from the restored card's memory";
  EXPECT_EQ(stats.duplicates.get(), 2u);
}

TEST_F(resends, a_first_decision_not_yet_stored_is_refused_not_scored) {
  score_then_passivate();  // card-a-0's decision is still queued
  send(located(card_tx("card-a", 0), london));
  sched.run();
  EXPECT_EQ(sink.decisions.size(), scored) << "card-a-0 scored twice";
  ASSERT_EQ(sink.refusals.size(), 1u);
  EXPECT_NE(sink.refusals[0].find("not stored yet"), std::string::npos);
  EXPECT_EQ(stats.refused.get(), 1u);
  // Once written, the retry gets the first decision.
  store_everything();
  send(located(card_tx("card-a", 0), london));
  sched.run();
  ASSERT_EQ(sink.duplicates.size(), 1u);
  EXPECT_EQ(sink.duplicates[0], "card-a-0:approve:0");
}

TEST_F(resends, a_store_that_cannot_be_read_refuses_the_resend) {
  score_then_passivate();
  store_everything();
  stored.failure = make_error(ec::store_error, "disk I/O error");
  send(located(card_tx("card-a", 0), london));
  sched.run();
  EXPECT_EQ(sink.decisions.size(), scored) << "card-a-0 scored twice";
  ASSERT_EQ(sink.refusals.size(), 1u);
  EXPECT_NE(sink.refusals[0].find("disk I/O error"), std::string::npos);
  EXPECT_EQ(stats.store_errors.get(), 1u);
}

// Two ids whose 32-bit recent_ids hashes (FNV-1a) collide, found by a
// birthday search over a few tens of thousands of ids.
std::pair<std::string, std::string> colliding_ids() {
  std::unordered_map<std::uint32_t, std::string> seen;
  for (std::uint32_t i = 0;; ++i) {
    auto id = "tx-" + std::to_string(i);
    std::uint32_t h = 2166136261u;
    for (unsigned char c : id) {
      h ^= c;
      h *= 16777619u;
    }
    auto [it, fresh] = seen.emplace(h, id);
    if (!fresh)
      return {it->second, id};
  }
}

TEST_F(resends, a_hash_collision_with_nothing_queued_is_scored) {
  auto [first, second] = colliding_ids();
  models::recent_ids r;
  r.add(first);
  ASSERT_TRUE(r.maybe_contains(second)) << "not a collision";
  use({});
  for (auto* id : {&first, &second}) {
    actors::score_request req;
    req.tx.tx_id = *id;
    req.tx.card_id = "card-c";
    req.tx.amount_minor = 100;
    req.tx.currency = "USD";
    req.tx.event_time_ms = 1'700'000'000'000;
    directory->route(std::move(req));
    sched.run();
    store_everything();
  }
  ASSERT_EQ(sink.decisions.size(), 2u);
  EXPECT_EQ(sink.decisions.back().tx_id, second);
  EXPECT_TRUE(sink.duplicates.empty());
  EXPECT_EQ(stored.reads, 1) << "the store was asked";
}

// Between writes the writer keeps the queue short (what an activating
// card may have to take before its lookup), and writes every interval.
// A snapshot writer alone, over a queue and an in-memory backend.
struct lone_writer {
  actors::snapshot_environment environment() {
    actors::snapshot_environment se;
    se.pending = &pending;
    se.backend = &backend;
    se.stats = &stats;
    return se;
  }
  test::test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched{test::coordinator_of(sys)};
  actors::counters stats;
  actors::store_queue queue{100};
  actors::pending_snapshots pending{queue, stats};
  memory_snapshots backend;
};

TEST(snapshot_writer, absorbs_every_tick_and_writes_every_interval) {
  lone_writer w;
  auto [sched, queue, pending, backend] =
    std::tie(w.sched, w.queue, w.pending, w.backend);
  auto se = w.environment();
  se.interval = std::chrono::milliseconds{20};
  se.absorb_interval = std::chrono::milliseconds{5};
  auto writer = w.sys.spawn(actors::snapshot_writer, se);
  sched.run();
  std::string record;
  actors::encode_snapshot_record("card-a", "state-1", record);
  ASSERT_TRUE(queue.push(record));
  for (int tick = 1; tick <= 3; ++tick) {
    ASSERT_TRUE(sched.trigger_timeout());
    sched.run();
    EXPECT_EQ(queue.size(), 0u) << "tick " << tick;
    EXPECT_EQ(backend.writes, 0) << "tick " << tick;
  }
  std::string found;
  EXPECT_TRUE(pending.find("card-a", found));
  EXPECT_EQ(found, "state-1");
  ASSERT_TRUE(sched.trigger_timeout());  // the fourth: 20 ms
  sched.run();
  EXPECT_EQ(backend.writes, 1);
  EXPECT_EQ(backend.cards["card-a"], "state-1");
  auto read = actors::find_snapshot(pending, backend, "card-a");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "state-1");  // from the backend now
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  sched.run();
}

// A handover writes its partition's cards only: a flush with a group
// writes the pending snapshots of that group's cards, in chunks, and
// leaves the others for the next interval.
TEST(snapshot_writer, a_group_flush_writes_only_that_groups_cards) {
  lone_writer w;
  auto [sys, sched, queue, pending, backend] =
    std::tie(w.sys, w.sched, w.queue, w.pending, w.backend);
  auto se = w.environment();
  se.interval = std::chrono::milliseconds{1000};
  se.max_batch = 2;  // three of group 1: two chunks
  se.group_of = [](std::string_view card) {
    return static_cast<std::uint32_t>(card.back() - '0') % 2;
  };
  auto writer = sys.spawn(actors::snapshot_writer, se);
  sched.run();
  std::string record;
  for (auto card : {"card-1", "card-2", "card-3", "card-4", "card-5"}) {
    actors::encode_snapshot_record(card, std::string{"state-"} + card, record);
    ASSERT_TRUE(queue.push(record));
  }
  std::uint64_t written = 0;
  caf::scoped_actor self{sys};
  self->send(writer, actors::flush_atom::value, std::uint32_t{1});
  sched.run();
  self->receive([&](std::uint64_t n) { written = n; });
  EXPECT_EQ(written, 3u);
  EXPECT_EQ(backend.writes, 2);
  EXPECT_EQ(backend.cards.size(), 3u);
  EXPECT_EQ(backend.cards.count("card-2"), 0u);
  EXPECT_EQ(backend.cards["card-5"], "state-card-5");
  EXPECT_EQ(pending.size(), 2u) << "the other group waits for its interval";
  self->send(writer, actors::flush_atom::value);
  sched.run();
  self->receive([&](std::uint64_t n) { written = n; });
  EXPECT_EQ(written, 5u);
  EXPECT_EQ(pending.size(), 0u);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  sched.run();
}

} // namespace
