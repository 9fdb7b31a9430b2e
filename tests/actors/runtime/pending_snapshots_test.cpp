// What a cluster instance does with the card state it has not written when
// it loses a partition's lease: forgets it, queued or pending, for the
// cards it says, and keeps everything else.
#include "actors/runtime/pending_snapshots.hpp"

#include <gtest/gtest.h>

namespace {

using namespace fraud::actors;

void queue(store_queue& q, const std::string& card, const std::string& bytes) {
  std::string record;
  encode_snapshot_record(card, bytes, record);
  ASSERT_TRUE(q.push(record));
}

TEST(pending_snapshots, discard_forgets_the_cards_asked_for_queued_or_pending) {
  store_queue q{1000};
  counters stats;
  pending_snapshots pending{q, stats};
  queue(q, "a-1", "old");
  queue(q, "b-1", "kept");
  pending.absorb_queue();        // pending now
  queue(q, "a-2", "queued");     // still queued
  auto n = pending.discard(
    [](const std::string& card) { return card.rfind("a-", 0) == 0; });
  EXPECT_EQ(n, 2u);
  std::string out;
  EXPECT_FALSE(pending.find("a-1", out));
  EXPECT_FALSE(pending.find("a-2", out));
  ASSERT_TRUE(pending.find("b-1", out));
  EXPECT_EQ(out, "kept");
  std::vector<pending_snapshots::item> batch;
  pending.take(10, batch);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].card_id, "b-1");
}

// A planned handover asks how many of a partition's cards still have state
// to write: queued, pending, or taken for a write not yet acknowledged
// (those stay pending until written); none means nothing to wait for.
TEST(pending_snapshots, count_sees_queued_pending_and_in_flight_until_written) {
  store_queue q{1000};
  counters stats;
  pending_snapshots pending{q, stats};
  auto of_a = [](const std::string& card) { return card.rfind("a-", 0) == 0; };
  EXPECT_EQ(pending.count(of_a), 0u);
  queue(q, "a-1", "s1");
  queue(q, "b-1", "s2");
  EXPECT_EQ(pending.count(of_a), 1u) << "queued";
  std::vector<pending_snapshots::item> batch;
  pending.take(10, batch, of_a);  // being written
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(pending.count(of_a), 1u) << "in flight";
  pending.written(batch);
  EXPECT_EQ(pending.count(of_a), 0u);
  EXPECT_EQ(pending.size(), 1u) << "b-1 waits";
}

} // namespace

namespace {

void change(pending_snapshots& pending, card_cell& cell,
            const std::string& tx_id) {
  card_cell::guard guard{cell.lock};
  cell.recent.add(tx_id);
  pending.mark_dirty(cell);
}

// Cards changed since their last snapshot are listed once however often
// they change, counted (a handover waits for them), encoded once when the
// writer asks (of a group only, if it says), and forgotten by discard.
TEST(pending_snapshots, dirty_cells_are_counted_encoded_once_and_discarded) {
  store_queue q{1000};
  counters stats;
  pending_snapshots pending{q, stats};
  auto a = caf::make_counted<card_cell>("a-1");
  auto b = caf::make_counted<card_cell>("b-1");
  auto of_a = [](const std::string& card) { return card.rfind("a-", 0) == 0; };
  auto of_b = [](const std::string& card) { return card.rfind("b-", 0) == 0; };
  for (int i = 0; i < 3; ++i)
    change(pending, *a, "tx-" + std::to_string(i));
  change(pending, *b, "tx-b");
  EXPECT_EQ(pending.count(of_a), 1u);
  EXPECT_EQ(pending.size(), 2u) << "a listed once";
  EXPECT_EQ(pending.encode_dirty(of_a), 1u);
  EXPECT_EQ(stats.snapshots_encoded.get(), 1u);
  std::string out, expected;
  ASSERT_TRUE(pending.find("a-1", out));
  a->encode(expected);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(stats.snapshots_encoded.get(), 1u) << "b not encoded yet";
  EXPECT_EQ(pending.count(of_b), 1u);
  EXPECT_EQ(pending.discard(of_b), 1u);
  EXPECT_EQ(pending.count(of_b), 0u);
  EXPECT_EQ(pending.encode_dirty(), 0u) << "a is clean, b forgotten";
  EXPECT_EQ(pending.size(), 1u) << "a's snapshot waits to be written";
  change(pending, *b, "tx-b2");  // listed again after the discard
  EXPECT_EQ(pending.encode_dirty(), 1u);
  EXPECT_TRUE(pending.find("b-1", out));
}

// A card activating while its predecessor is still listed dirty (it had
// not handed its state over yet) finds that state: the lookup encodes it.
TEST(pending_snapshots, a_lookup_finds_the_state_of_a_card_still_listed_dirty) {
  store_queue q{1000};
  counters stats;
  pending_snapshots pending{q, stats};
  auto old = caf::make_counted<card_cell>("a-1");
  change(pending, *old, "tx-1");
  change(pending, *old, "tx-2");
  std::string out, expected;
  ASSERT_TRUE(pending.find("a-1", out));
  old->encode(expected);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(stats.snapshots_encoded.get(), 1u);
  EXPECT_EQ(pending.encode_dirty(), 0u) << "not again";
  // A successor lists itself while the predecessor is listed again: the
  // predecessor's state is taken first, the successor's after it.
  change(pending, *old, "tx-3");
  auto next = caf::make_counted<card_cell>("a-1");
  change(pending, *next, "tx-4");
  pending.encode_dirty();
  EXPECT_EQ(stats.snapshots_encoded.get(), 3u) << "both";
  ASSERT_TRUE(pending.find("a-1", out));
  next->encode(expected);
  EXPECT_EQ(out, expected);
}

// A card passivated while the writer holds it dirty queues a newer
// snapshot itself; the writer's encode, before or after, never lands on
// top of it.
TEST(pending_snapshots, a_snapshot_queued_at_passivation_is_never_overwritten) {
  store_queue q{1000};
  counters stats;
  pending_snapshots pending{q, stats};
  auto a = caf::make_counted<card_cell>("a-1");
  change(pending, *a, "tx-1");
  EXPECT_EQ(pending.encode_dirty(), 1u);
  change(pending, *a, "tx-2");
  std::string newest;
  {
    // As the card does when it is passivated.
    card_cell::guard guard{a->lock};
    a->encode(newest);
    std::string record;
    encode_snapshot_record(a->card_id, newest, record);
    ASSERT_TRUE(q.push(record));
    a->dirty = false;
  }
  EXPECT_EQ(pending.encode_dirty(), 0u);
  std::string out;
  ASSERT_TRUE(pending.find("a-1", out));
  EXPECT_EQ(out, newest);
}

} // namespace
