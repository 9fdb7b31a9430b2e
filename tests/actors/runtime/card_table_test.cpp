// card_table: the open-addressing table of the card directory. Handles are
// empty here: the table only keeps them.
#include "actors/runtime/card_table.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace {

using fraud::actors::card_actor;
using fraud::actors::card_table;

std::string id(int n) { return "card-" + std::to_string(n); }

void fill(card_table& t, int n, std::int64_t now_ns = 0) {
  for (int c = 0; c < n; ++c)
    t.touch(t.insert(id(c), card_actor{}), now_ns);
}

TEST(card_table, finds_what_was_inserted_and_nothing_else) {
  card_table t;
  EXPECT_EQ(t.find("card-0"), card_table::npos);
  auto i = t.insert("card-0", card_actor{});
  EXPECT_EQ(t.find("card-0"), i);
  EXPECT_EQ(t[i].card_id, "card-0");
  EXPECT_EQ(t.find("card-1"), card_table::npos);
  EXPECT_EQ(t.find(""), card_table::npos);
  EXPECT_EQ(t.size(), 1u);
}

TEST(card_table, grows_and_keeps_every_card_findable) {
  card_table t;
  auto slots = t.slots();
  fill(t, 100'000);
  EXPECT_GT(t.slots(), slots);
  EXPECT_EQ(t.slots() & (t.slots() - 1), 0u) << "a power of two";
  EXPECT_LE(t.size() * 4, t.slots() * 3) << "at most 3/4 full";
  for (int c = 0; c < 100'000; ++c) {
    auto i = t.find(id(c));
    ASSERT_NE(i, card_table::npos) << c;
    EXPECT_EQ(t[i].card_id, id(c));
  }
  EXPECT_EQ(t.find(id(100'000)), card_table::npos);
}

TEST(card_table, an_erase_moves_the_last_entry_into_the_hole) {
  card_table t;
  fill(t, 3);
  t.erase(t.find("card-0"));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.find("card-0"), card_table::npos);
  EXPECT_EQ(t.find("card-2"), 0u);
  EXPECT_EQ(t[0].card_id, "card-2");
  EXPECT_EQ(t.find("card-1"), 1u);
}

// Erasing from the middle of probe runs (backward shift) must leave every
// other card reachable, through many growths and erasures.
TEST(card_table, erasing_half_keeps_the_other_half_findable) {
  card_table t;
  fill(t, 50'000);
  for (int c = 0; c < 50'000; c += 2)
    t.erase(t.find(id(c)));
  EXPECT_EQ(t.size(), 25'000u);
  for (int c = 0; c < 50'000; ++c)
    EXPECT_EQ(t.find(id(c)) == card_table::npos, c % 2 == 0) << c;
  // and the freed slots take new cards
  for (int c = 0; c < 50'000; c += 2)
    t.insert(id(c), card_actor{});
  for (int c = 0; c < 50'000; ++c)
    ASSERT_NE(t.find(id(c)), card_table::npos) << c;
}

// The slot of an entry is found from its id, so the id must be what it
// was at insert: the directory once moved it out (into its hand-off map)
// before the erase, which then scanned the whole slot array for the slot:
// with 1M cards at the cap, 64 % of the ingress thread and ~2,000 new
// cards a second. Now erase hands the entry back, and a changed id throws.
TEST(card_table, erase_hands_the_entry_back_and_refuses_a_changed_id) {
  card_table t;
  fill(t, 1000);
  auto gone = t.erase(t.find("card-7"));
  EXPECT_EQ(gone.card_id, "card-7");
  EXPECT_EQ(t.find("card-7"), card_table::npos);
  auto i = t.find("card-8");
  auto taken = std::move(t[i].card_id);
  EXPECT_THROW(t.erase(i), std::logic_error);
}

TEST(card_table, with_few_cards_the_victim_is_the_least_recently_used) {
  card_table t;
  fill(t, 5);
  t.touch(t.find("card-0"), 1);
  t.touch(t.find("card-3"), 2);
  EXPECT_EQ(t[t.victim()].card_id, "card-1");
  t.touch(t.find("card-1"), 3);
  t.touch(t.find("card-2"), 4);
  EXPECT_EQ(t[t.victim()].card_id, "card-4");
}

TEST(card_table, the_victim_is_never_the_card_kept) {
  card_table t;
  fill(t, 1);
  EXPECT_EQ(t.victim(0), card_table::npos);
  t.insert("card-1", card_actor{});
  auto keep = t.find("card-0");
  for (int k = 0; k < 4; ++k)
    EXPECT_NE(t.victim(keep), keep);
}

// With many cards, the hand goes round: evicting the cold half one at a
// time, the cards used lately stay.
TEST(card_table, the_hand_goes_round_and_recently_used_cards_stay) {
  card_table t;
  fill(t, 1000);
  std::set<std::string> hot;
  for (int c = 0; c < 1000; c += 10) {
    t.touch(t.find(id(c)), 1);
    hot.insert(id(c));
  }
  for (int n = 0; n < 400; ++n) {
    auto v = t.victim();
    ASSERT_NE(v, card_table::npos);
    EXPECT_EQ(hot.count(t[v].card_id), 0u) << t[v].card_id;
    t.erase(v);
  }
  for (auto& h : hot)
    EXPECT_NE(t.find(h), card_table::npos) << h;
}

TEST(card_table, take_all_empties_the_table) {
  card_table t;
  fill(t, 300);
  auto all = t.take_all();
  EXPECT_EQ(all.size(), 300u);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.find("card-7"), card_table::npos);
  fill(t, 10);
  EXPECT_NE(t.find("card-7"), card_table::npos);
}

} // namespace
