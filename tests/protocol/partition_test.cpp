#include <gtest/gtest.h>

#include "protocol/partition.hpp"

namespace {

using fraud::protocol::fnv1a_32;
using fraud::protocol::partition_of;

// The published FNV-1a 32 test vectors (Fowler, Noll, Vo; also Go's
// hash/fnv tests), so that the hash is the one nats-server uses.
TEST(partition, fnv1a_32_matches_the_reference_vectors) {
  EXPECT_EQ(fnv1a_32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a_32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a_32("ab"), 0x4d2505cau);
  EXPECT_EQ(fnv1a_32("abc"), 0x1a47e90bu);
  EXPECT_EQ(fnv1a_32("foobar"), 0xbf9cf968u);
}

TEST(partition, is_the_hash_mod_the_partition_count) {
  EXPECT_EQ(partition_of("abc", 64), 0x1a47e90bu % 64);
  EXPECT_EQ(partition_of("foobar", 7), 0xbf9cf968u % 7);
  EXPECT_EQ(partition_of("anything", 1), 0u);
}

TEST(partition, stays_in_range_and_spreads_cards) {
  std::vector<int> seen(64);
  for (int i = 0; i < 6400; ++i) {
    auto p = partition_of("card-" + std::to_string(i), 64);
    ASSERT_LT(p, 64u);
    ++seen[p];
  }
  for (int count : seen)
    EXPECT_GT(count, 0);
}

} // namespace
