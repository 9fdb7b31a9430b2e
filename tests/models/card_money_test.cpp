// Money in the card's own currency: the home currency, conversion of
// amounts, windows and profile, spend velocity, card-present high-value
// purchases, the week of large purchases of goods, and what a currency the
// rates do not know does.
#include <gtest/gtest.h>

#include "models/card_state.hpp"
#include "tests/models/sample_transaction.hpp"

namespace fraud::models {
namespace {

using test::day_ms;
using test::hour_ms;
using test::minute_ms;
using test::online;
using test::sample_tx;
using test::t0_ms;

const rates& table() {
  static const rates r = *rates::parse("reference EUR\n"
                                       "EUR 2 1\n"
                                       "USD 2 1.25\n"
                                       "JPY 0 160\n"
                                       "KRW 0 1500\n"
                                       "KWD 3 0.3\n");
  return r;
}

transaction in_currency(transaction tx, const char* currency,
                        std::int64_t minor) {
  tx.currency = currency;
  tx.amount_minor = minor;
  return tx;
}

/// A card from Paris: `n` card-present payments of 20 euros, a day apart.
card_state paris_card(int n) {
  card_state card;
  for (int i = 0; i < n; ++i)
    card.apply(in_currency(sample_tx(t0_ms + i * day_ms), "EUR", 2'000),
               table());
  return card;
}

std::int64_t after_days(int n) { return t0_ms + n * day_ms; }

TEST(card_money, the_home_currency_is_the_first_one_used) {
  card_state card;
  EXPECT_EQ(card.home_currency(), "");
  card.apply(in_currency(sample_tx(t0_ms), "EUR", 2'000), table());
  EXPECT_EQ(card.home_currency(), "EUR");
  card.apply(in_currency(sample_tx(t0_ms + hour_ms), "JPY", 4'800), table());
  EXPECT_EQ(card.home_currency(), "EUR") << "never changes afterwards";
  EXPECT_EQ(card.summary().home_currency, "EUR");
}

TEST(card_money, lunch_in_tokyo_is_an_ordinary_amount_for_a_paris_card) {
  auto card = paris_card(10);
  auto tx = in_currency(sample_tx(after_days(10)), "JPY", 4'800);
  auto f = card.features_for(tx, table());
  EXPECT_TRUE(f.currency_known);
  EXPECT_TRUE(f.foreign_currency);
  EXPECT_EQ(f.currency, "JPY");
  EXPECT_DOUBLE_EQ(f.amount, 4'800);
  EXPECT_DOUBLE_EQ(f.amount_home, 30.0);
  EXPECT_DOUBLE_EQ(f.avg_amount, 20.0);
  EXPECT_DOUBLE_EQ(f.amount_ratio, 1.5) << "not 240x";
  EXPECT_LT(f.amount_z, 3.5);
}

TEST(card_money, the_home_currency_is_not_foreign_and_is_exact) {
  auto card = paris_card(3);
  auto f = card.features_for(
    in_currency(sample_tx(after_days(3)), "EUR", 1'234), table());
  EXPECT_FALSE(f.foreign_currency);
  EXPECT_EQ(f.amount_home, 12.34);
  EXPECT_EQ(f.amount, 12.34);
}

TEST(card_money, windows_and_profile_are_kept_in_the_home_currency) {
  card_state card;
  card.apply(in_currency(sample_tx(t0_ms), "EUR", 2'000), table());
  card.apply(in_currency(sample_tx(t0_ms + minute_ms), "JPY", 4'800),
             table());
  auto f = card.features_for(
    in_currency(sample_tx(t0_ms + 2 * minute_ms), "USD", 2'500), table());
  EXPECT_DOUBLE_EQ(f.amount_home, 20.0);
  EXPECT_DOUBLE_EQ(f.sum_1h, 20.0 + 30.0 + 20.0);
  EXPECT_DOUBLE_EQ(f.sum_24h, 70.0);
  EXPECT_DOUBLE_EQ(f.avg_amount, 25.0);
}

TEST(card_money, small_and_large_are_judged_in_the_home_currency) {
  card_state card;
  card.apply(in_currency(sample_tx(t0_ms), "USD", 2'000), table());
  // 3 dinars are not a probe (about 12.50 dollars), 300 won are (0.25)
  auto kwd = online(in_currency(sample_tx(t0_ms + minute_ms), "KWD", 3'000),
                    "dev-1");
  auto krw = online(in_currency(sample_tx(t0_ms + minute_ms), "KRW", 300),
                    "dev-1");
  EXPECT_EQ(card.features_for(kwd, table()).small_cnp_count_10m, 0u);
  EXPECT_NEAR(card.features_for(kwd, table()).amount_home, 12.5, 1e-9);
  EXPECT_EQ(card.features_for(krw, table()).small_cnp_count_10m, 1u);
  // and a 30,000 won test charge is about 25 dollars, not 30,000
  auto big = in_currency(sample_tx(t0_ms + minute_ms), "KRW", 30'000);
  EXPECT_NEAR(card.features_for(big, table()).amount_ratio, 1.25, 1e-9);
}

TEST(card_money, the_rates_in_use_decide_the_conversion) {
  auto card = paris_card(3);
  auto tx = in_currency(sample_tx(after_days(3)), "JPY", 4'800);
  auto dearer = *rates::parse("reference EUR\nEUR 2 1\nJPY 0 80\n");
  EXPECT_DOUBLE_EQ(card.features_for(tx, table()).amount_home, 30.0);
  EXPECT_DOUBLE_EQ(card.features_for(tx, dearer).amount_home, 60.0);
}

TEST(card_money, an_unknown_currency_has_no_amounts) {
  auto card = paris_card(5);
  auto tx = in_currency(sample_tx(after_days(5)), "XYZ", 123'456);
  auto f = card.features_for(tx, table());
  EXPECT_FALSE(f.currency_known);
  EXPECT_EQ(f.amount_home, 0);
  EXPECT_EQ(f.amount_ratio, 1);
  EXPECT_EQ(f.amount_z, 0);
  EXPECT_EQ(f.count_1h, 1u);
  EXPECT_EQ(f.sum_1h, 0);
  EXPECT_EQ(f.cp_high_count_1h, 0u);
}

TEST(card_money, an_unknown_currency_is_counted_but_teaches_no_amount) {
  auto card = paris_card(5);
  auto before = card.summary();
  auto t = after_days(5);
  card.apply(in_currency(sample_tx(t), "XYZ", 123'456), table());
  EXPECT_EQ(card.tx_count(), before.tx_count + 1);
  EXPECT_EQ(card.avg_amount(), before.avg_amount);
  EXPECT_EQ(card.amount_stddev(), before.amount_stddev);
  auto f = card.features_for(
    in_currency(sample_tx(t + minute_ms), "EUR", 1'000), table());
  EXPECT_EQ(f.count_1h, 2u);
  EXPECT_DOUBLE_EQ(f.sum_1h, 10.0) << "the unknown amount adds nothing";
}

TEST(card_money, a_card_whose_home_currency_is_no_longer_known) {
  card_state card;
  card.apply(in_currency(sample_tx(t0_ms), "KWD", 10'000), table());
  auto without = *rates::parse("reference EUR\nEUR 2 1\n");
  auto f = card.features_for(
    in_currency(sample_tx(t0_ms + hour_ms), "EUR", 1'000), without);
  EXPECT_FALSE(f.currency_known);
  EXPECT_EQ(f.sum_1h, 0);
}

TEST(card_money, a_first_unknown_currency_does_not_become_home) {
  card_state card;
  card.apply(in_currency(sample_tx(t0_ms), "XYZ", 100), table());
  EXPECT_EQ(card.home_currency(), "");
  card.apply(in_currency(sample_tx(t0_ms + hour_ms), "USD", 100), table());
  EXPECT_EQ(card.home_currency(), "USD");
}

TEST(card_money, usual_daily_spend_needs_a_history) {
  EXPECT_EQ(paris_card(2).usual_daily_spend(), 0);
  auto f = paris_card(2).features_for(
    in_currency(sample_tx(after_days(2)), "EUR", 2'000), table());
  EXPECT_EQ(f.usual_daily_spend, 0);
  EXPECT_EQ(f.spend_velocity_1h, 0);
  EXPECT_EQ(f.spend_velocity_24h, 0);
}

TEST(card_money, usual_daily_spend_is_the_average_times_a_days_payments) {
  // 11 payments of 20 euros over 10 days: 22 euros a day
  auto card = paris_card(11);
  EXPECT_NEAR(card.usual_daily_spend(), 22.0, 1e-9);
  // a card paying 4 times a day spends four times as much
  card_state busy;
  for (int i = 0; i < 41; ++i)
    busy.apply(in_currency(sample_tx(t0_ms + i * 6 * hour_ms), "EUR", 2'000),
               table());
  EXPECT_NEAR(busy.usual_daily_spend(), 82.0, 1e-9);
}

TEST(card_money, spend_velocity_is_the_windows_sum_over_the_usual_day) {
  auto card = paris_card(11);
  auto t = after_days(11);
  card.apply(in_currency(sample_tx(t), "EUR", 6'600), table());
  auto f = card.features_for(
    in_currency(sample_tx(t + 10 * minute_ms), "JPY", 7'040), table());
  EXPECT_DOUBLE_EQ(f.sum_1h, 66.0 + 44.0);
  EXPECT_NEAR(f.spend_velocity_1h, f.sum_1h / f.usual_daily_spend, 1e-12);
  EXPECT_GT(f.spend_velocity_1h, 4.0);
  EXPECT_NEAR(f.spend_velocity_24h, f.sum_24h / f.usual_daily_spend, 1e-12);
}

TEST(card_money, card_present_high_value_purchases_are_counted_for_an_hour) {
  auto card = paris_card(10);
  auto t = after_days(10);
  // twice the typical amount and more, in shops: counted, declined or not
  card.apply(in_currency(sample_tx(t), "EUR", 6'000), table());
  card.apply_unapproved(
    in_currency(sample_tx(t + 10 * minute_ms), "JPY", 16'000), table());
  auto third = in_currency(sample_tx(t + 20 * minute_ms), "EUR", 9'000);
  auto f = card.features_for(third, table());
  EXPECT_EQ(f.cp_high_count_1h, 3u) << "this one included";
  EXPECT_DOUBLE_EQ(f.cp_high_sum_1h, 60.0 + 100.0 + 90.0);
  // an hour and a bit later they are gone
  auto later = card.features_for(
    in_currency(sample_tx(t + 80 * minute_ms), "EUR", 2'000), table());
  EXPECT_EQ(later.cp_high_count_1h, 0u);
  EXPECT_EQ(later.cp_high_sum_1h, 0);
}

TEST(card_money, online_or_ordinary_purchases_are_not_card_present_high) {
  auto card = paris_card(10);
  auto t = after_days(10);
  auto web = online(in_currency(sample_tx(t), "EUR", 9'000), "dev-1");
  EXPECT_EQ(card.features_for(web, table()).cp_high_count_1h, 0u);
  auto shop = in_currency(sample_tx(t), "EUR", 3'900);  // under 2x of 20
  EXPECT_EQ(card.features_for(shop, table()).cp_high_count_1h, 0u);
  // without a profile nothing is "high"
  auto young = paris_card(2);
  EXPECT_EQ(young.features_for(in_currency(sample_tx(after_days(2)), "EUR",
                                           90'000),
                               table())
              .cp_high_count_1h,
            0u);
}

constexpr std::uint32_t electronics = 5732;
constexpr std::uint32_t marketplace = 5399;
constexpr std::uint32_t grocery = 5411;
constexpr std::uint32_t hotel = 7011;

transaction at_shop(std::int64_t at, std::uint32_t mcc, const char* currency,
                    std::int64_t minor) {
  auto tx = in_currency(sample_tx(at), currency, minor);
  tx.mcc = mcc;
  return tx;
}

std::int64_t after(double days) {
  return t0_ms + static_cast<std::int64_t>(days * day_ms);
}

TEST(card_goods, large_purchases_of_goods_are_counted_for_a_week) {
  auto card = paris_card(10);
  EXPECT_NEAR(card.typical_amount(), 20.0, 1e-9);
  // 9x the typical amount and more, in a shop or online, approved or not
  card.apply(at_shop(after(10), electronics, "EUR", 30'000), table());
  card.apply_unapproved(
    online(at_shop(after(12), marketplace, "EUR", 25'000), "phone-1"),
    table());
  auto third = at_shop(after(14), 5944, "EUR", 40'000);  // jewellery
  auto f = card.features_for(third, table());
  EXPECT_TRUE(f.goods_high);
  EXPECT_EQ(f.goods_high_count_7d, 3u) << "this one included";
  EXPECT_DOUBLE_EQ(f.goods_high_sum_7d, 300.0 + 250.0 + 400.0);
  // an ordinary purchase sees the week, without adding to it
  auto bread = card.features_for(at_shop(after(14), grocery, "EUR", 2'000),
                                 table());
  EXPECT_FALSE(bread.goods_high);
  EXPECT_EQ(bread.goods_high_count_7d, 2u);
  EXPECT_DOUBLE_EQ(bread.goods_high_sum_7d, 550.0);
}

TEST(card_goods, a_purchase_is_forgotten_after_seven_days) {
  auto card = paris_card(10);
  card.apply(at_shop(after(10), electronics, "EUR", 30'000), table());
  auto probe = [&](double day) {
    return card
      .features_for(at_shop(after(day), grocery, "EUR", 2'000), table())
      .goods_high_count_7d;
  };
  EXPECT_EQ(probe(15.9), 1u) << "almost six days later: still there";
  EXPECT_EQ(probe(17.1), 0u) << "over seven days later: gone";
}

TEST(card_goods, is_kept_in_the_home_currency) {
  auto card = paris_card(10);
  // 48,000 yen is 300 euros: 15x the card's 20 euros
  card.apply(at_shop(after(10), electronics, "JPY", 48'000), table());
  auto f = card.features_for(at_shop(after(11), marketplace, "USD",
                                     37'500),  // 300 euros
                             table());
  EXPECT_TRUE(f.goods_high);
  EXPECT_EQ(f.goods_high_count_7d, 2u);
  EXPECT_NEAR(f.goods_high_sum_7d, 600.0, 1e-9);
  // 3,000 yen (under 9x of 20 euros) is an ordinary purchase
  auto small = card.features_for(
    at_shop(after(11), electronics, "JPY", 3'000), table());
  EXPECT_FALSE(small.goods_high);
}

TEST(card_goods, what_is_not_a_large_purchase_of_goods) {
  auto card = paris_card(10);
  auto t = after(10);
  // large, but not goods: groceries, a hotel
  EXPECT_FALSE(card.features_for(at_shop(t, grocery, "EUR", 30'000), table())
                 .goods_high);
  EXPECT_FALSE(card.features_for(at_shop(t, hotel, "EUR", 30'000), table())
                 .goods_high);
  // goods, but under 9x the typical amount
  EXPECT_FALSE(
    card.features_for(at_shop(t, electronics, "EUR", 17'900), table())
      .goods_high);
  EXPECT_TRUE(
    card.features_for(at_shop(t, electronics, "EUR", 18'100), table())
      .goods_high);
  // in a currency the rates do not know: no amount, nothing counted
  auto unknown = at_shop(t, electronics, "XTS", 9'999'999);
  EXPECT_FALSE(card.features_for(unknown, table()).goods_high);
  card.apply(unknown, table());
  EXPECT_EQ(card.features_for(at_shop(t + hour_ms, grocery, "EUR", 2'000),
                              table())
              .goods_high_count_7d,
            0u);
  // a card without a profile has no "large" yet
  auto young = paris_card(2);
  EXPECT_FALSE(
    young.features_for(at_shop(after(2), electronics, "EUR", 90'000),
                       table())
      .goods_high);
}

TEST(card_goods, goods_are_the_five_resaleable_categories) {
  for (std::uint32_t mcc : {5311u, 5399u, 5712u, 5732u, 5944u})
    EXPECT_TRUE(is_goods_mcc(mcc)) << mcc;
  for (std::uint32_t mcc : {5411u, 5651u, 4511u, 7011u, 6011u, 4722u, 0u})
    EXPECT_FALSE(is_goods_mcc(mcc)) << mcc;
}

} // namespace
} // namespace fraud::models
