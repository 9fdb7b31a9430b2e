#include "models/entity_state.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fraud::models {
namespace {

constexpr std::int64_t minute = 60'000;
constexpr std::int64_t t0 = 1'700'000'000'000;

entity_use use(const std::string& card, std::int64_t t, bool small = false) {
  return {card_hash(card), t, small};
}

TEST(entity_state, counts_each_card_once_this_one_included) {
  entity_state e;
  auto v = e.observe(use("c1", t0));
  EXPECT_TRUE(v.present);
  EXPECT_EQ(v.cards_10m, 1u);
  e.observe(use("c1", t0 + 1000));
  v = e.observe(use("c2", t0 + 2000));
  EXPECT_EQ(v.cards_10m, 2u);
  EXPECT_EQ(v.cards_1h, 2u);
  EXPECT_EQ(v.cards_24h, 2u);
}

TEST(entity_state, windows_end_at_the_transactions_own_time) {
  entity_state e;
  e.observe(use("a", t0));
  e.observe(use("b", t0 + 30 * minute));
  auto v = e.observe(use("c", t0 + 61 * minute));
  EXPECT_EQ(v.cards_10m, 1u);   // c
  EXPECT_EQ(v.cards_1h, 2u);    // b, c
  EXPECT_EQ(v.cards_24h, 3u);
  v = e.observe(use("d", t0 + 25 * 60 * minute));
  EXPECT_EQ(v.cards_24h, 2u);   // c is 24 h old less a minute, a and b gone
}

TEST(entity_state, a_card_seen_again_is_counted_from_its_latest_use) {
  entity_state e;
  e.observe(use("a", t0));
  e.observe(use("a", t0 + 50 * minute));
  auto v = e.observe(use("b", t0 + 55 * minute));
  EXPECT_EQ(v.cards_10m, 2u);
}

TEST(entity_state, a_late_use_does_not_move_a_card_back_in_time) {
  entity_state e;
  e.observe(use("a", t0 + 50 * minute));
  e.observe(use("a", t0));  // late: arrives after a newer one
  auto v = e.observe(use("b", t0 + 55 * minute));
  EXPECT_EQ(v.cards_10m, 2u);
}

TEST(entity_state, distinct_cards_saturate_at_capacity_forgetting_the_oldest) {
  entity_state e;
  entity_view v;
  for (int i = 0; i < 100; ++i)
    v = e.observe(use("card" + std::to_string(i), t0 + i * 1000));
  EXPECT_EQ(v.cards_10m, entity_state::max_cards);
  // The newest stay: card 99 again is still one of them.
  v = e.observe(use("card99", t0 + 100'000));
  EXPECT_EQ(v.cards_10m, entity_state::max_cards);
}

TEST(entity_state, small_card_not_present_payments_by_count_and_by_card) {
  entity_state e;
  e.observe(use("a", t0, true));
  e.observe(use("a", t0 + 1000, true));
  e.observe(use("b", t0 + 2000, false));  // not small: not a probe
  auto v = e.observe(use("c", t0 + 3000, true));
  EXPECT_EQ(v.small_cnp_count_1m, 3u);
  EXPECT_EQ(v.small_cnp_cards_1m, 2u);
  EXPECT_EQ(v.small_cnp_cards_10m, 2u);
  EXPECT_EQ(v.cards_10m, 3u);
  v = e.observe(use("d", t0 + 5 * minute, true));
  EXPECT_EQ(v.small_cnp_count_1m, 1u);
  EXPECT_EQ(v.small_cnp_cards_1m, 1u);
  EXPECT_EQ(v.small_cnp_count_10m, 4u);
  EXPECT_EQ(v.small_cnp_cards_10m, 3u);
  v = e.observe(use("e", t0 + 20 * minute, false));
  EXPECT_EQ(v.small_cnp_count_10m, 0u);
  EXPECT_EQ(v.small_cnp_cards_10m, 0u);
}

TEST(entity_state, declined_share_counts_the_declines_heard_of) {
  entity_state e;
  auto v = e.observe(use("a", t0));
  EXPECT_EQ(v.uses_1h, 1u);
  EXPECT_EQ(v.declined_share_1h, 0.0);
  e.declined(t0);
  e.observe(use("b", t0 + 1000));
  e.observe(use("c", t0 + 1500));
  v = e.observe(use("d", t0 + 2000));
  EXPECT_EQ(v.uses_1h, 4u);
  EXPECT_DOUBLE_EQ(v.declined_share_1h, 0.25);
  v = e.observe(use("e", t0 + 2 * 60 * minute));
  EXPECT_EQ(v.uses_1h, 1u);
  EXPECT_EQ(v.declined_share_1h, 0.0);
}

TEST(entity_state, the_same_uses_give_the_same_answers) {
  entity_state a;
  entity_state b;
  for (int i = 0; i < 200; ++i) {
    auto u = use("card" + std::to_string(i % 17), t0 + i * 7919, i % 3 == 0);
    auto va = a.observe(u);
    auto vb = b.observe(u);
    EXPECT_EQ(va.cards_1h, vb.cards_1h);
    EXPECT_EQ(va.small_cnp_cards_10m, vb.small_cnp_cards_10m);
  }
  EXPECT_EQ(a.last_event_ms(), b.last_event_ms());
}

TEST(entity_state, kinds_name_their_features) {
  EXPECT_STREQ(to_string(entity_kind::device), "device");
  EXPECT_STREQ(to_string(entity_kind::ip), "ip");
  EXPECT_STREQ(to_string(entity_kind::merchant), "merchant");
  EXPECT_NE(card_hash("4000000000000001"), card_hash("4000000000000002"));
}

} // namespace
} // namespace fraud::models
