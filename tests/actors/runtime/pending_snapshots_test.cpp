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
