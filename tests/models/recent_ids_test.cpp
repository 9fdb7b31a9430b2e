#include "models/recent_ids.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fraud::models {
namespace {

std::string id(std::size_t i) { return "tx-" + std::to_string(i); }

TEST(recent_ids, knows_nothing_at_first) {
  recent_ids ids;
  EXPECT_FALSE(ids.maybe_contains("tx-1"));
  EXPECT_FALSE(ids.maybe_contains(""));
}

TEST(recent_ids, remembers_what_was_added) {
  recent_ids ids;
  ids.add("tx-1");
  ids.add("tx-2");
  EXPECT_TRUE(ids.maybe_contains("tx-1"));
  EXPECT_TRUE(ids.maybe_contains("tx-2"));
  EXPECT_FALSE(ids.maybe_contains("tx-3"));
}

TEST(recent_ids, forgets_the_oldest_past_its_capacity) {
  recent_ids ids;
  for (std::size_t i = 0; i <= recent_ids::capacity; ++i)
    ids.add(id(i));
  EXPECT_FALSE(ids.maybe_contains(id(0)));
  for (std::size_t i = 1; i <= recent_ids::capacity; ++i)
    EXPECT_TRUE(ids.maybe_contains(id(i))) << i;
}

} // namespace
} // namespace fraud::models
