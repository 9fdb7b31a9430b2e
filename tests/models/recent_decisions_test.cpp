#include "models/recent_decisions.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

using fraud::models::recent_decisions;

TEST(recent_decisions, finds_what_it_was_given_by_exact_id) {
  recent_decisions r;
  r.add("tx-1", "first");
  r.add("tx-2", std::string("with\0nul", 8));
  ASSERT_TRUE(r.find("tx-1"));
  EXPECT_EQ(*r.find("tx-1"), "first");
  EXPECT_EQ(*r.find("tx-2"), std::string("with\0nul", 8));
  EXPECT_FALSE(r.find("tx-"));
  EXPECT_FALSE(r.find("tx-10"));
  EXPECT_FALSE(r.find(""));
}

TEST(recent_decisions, keeps_the_newest_records_it_is_told_to) {
  constexpr std::size_t keep = 5;
  recent_decisions r;
  for (std::size_t i = 0; i < keep + 3; ++i)
    r.add("tx-" + std::to_string(i), "d" + std::to_string(i), keep);
  EXPECT_EQ(r.size(), keep);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_FALSE(r.find("tx-" + std::to_string(i))) << i;
  for (std::size_t i = 3; i < keep + 3; ++i) {
    auto d = r.find("tx-" + std::to_string(i));
    ASSERT_TRUE(d) << i;
    EXPECT_EQ(*d, "d" + std::to_string(i));
  }
}

TEST(recent_decisions, records_of_different_sizes_stay_framed) {
  recent_decisions r;
  for (int round = 0; round < 5; ++round)
    for (std::size_t i = 0; i < 20; ++i)
      r.add("id" + std::string(i, 'x'), std::string(i * 37, char('a' + i)),
            8);
  for (std::size_t i = 12; i < 20; ++i) {
    auto d = r.find("id" + std::string(i, 'x'));
    ASSERT_TRUE(d) << i;
    EXPECT_EQ(*d, std::string(i * 37, char('a' + i)));
  }
}

TEST(recent_decisions, keeps_nothing_when_told_to_keep_nothing) {
  recent_decisions r;
  r.add("tx", "d", 0);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_FALSE(r.find("tx"));
}

TEST(recent_decisions, never_keeps_more_than_recent_ids_remembers) {
  recent_decisions r;
  for (int i = 0; i < 20; ++i)
    r.add("tx-" + std::to_string(i), "d", 100);
  EXPECT_EQ(r.size(), recent_decisions::max_capacity);
}

} // namespace
