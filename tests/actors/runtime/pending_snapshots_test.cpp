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

} // namespace
