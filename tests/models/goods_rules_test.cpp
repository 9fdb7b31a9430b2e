// goods_spending_repeat: large purchases of goods, a few times over days,
// by someone with the card and the cardholder's phone. Each test runs on
// both the hand-written default rules and the compiled default.rules.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/rules/compiled_ruleset.hpp"
#include "tests/models/card_history.hpp"

namespace fraud::models {
namespace {

using test::card_history;
using test::day_ms;
using test::find_reason;
using test::hour_ms;
using test::online;
using test::reasons_of;
using test::sample_tx;
using test::t0_ms;

constexpr const char* rule = "goods_spending_repeat";
constexpr std::uint32_t limit = 3;

std::shared_ptr<const ruleset> compiled(std::string_view text) {
  auto r = rules::make_compiled_ruleset(text, "rules-1", nullptr);
  EXPECT_TRUE(r) << r.error().what();
  return *r;
}

class goods_rules : public ::testing::TestWithParam<bool> {
protected:
  std::shared_ptr<const ruleset> defaults() const {
    return GetParam() ? compiled(rules::default_rules_text())
                      : make_default_ruleset();
  }

  /// A card that pays about 20 dollars a day for three weeks, amounts
  /// spread as a real card's are.
  card_history ordinary_card() const {
    card_history card{defaults()};
    std::vector<transaction> days;
    for (int i = 0; i < 21; ++i)
      days.push_back(sample_tx(t0_ms + i * day_ms, i % 3 == 0 ? 35 : 15));
    card.approve(days);
    return card;
  }
};

INSTANTIATE_TEST_SUITE_P(both, goods_rules, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "compiled" : "hand_written";
                         });

transaction goods(std::int64_t at, double dollars, std::uint32_t mcc) {
  auto tx = sample_tx(at, dollars);
  tx.mcc = mcc;
  return tx;
}

std::int64_t day(double n) {
  return t0_ms + static_cast<std::int64_t>(n * day_ms);
}

/// Large purchases of goods (300 dollars: 15 times the card's habit) on
/// each of `days`, at one goods merchant after another; the last decision.
decision large_goods_on(card_history& card, std::initializer_list<double> days) {
  static const std::uint32_t mccs[] = {5732, 5399, 5944, 5311, 5712};
  decision d;
  std::size_t i = 0;
  for (double n : days)
    d = card.score(goods(day(n), 300, mccs[i++ % 5]));
  return d;
}

TEST_P(goods_rules, the_third_large_purchase_of_goods_in_a_week_is_declined) {
  auto card = ordinary_card();
  // a television, a marketplace order from the cardholder's own phone, a
  // ring, a sofa: 12 to 20 times what the card usually pays, days apart
  std::vector<decision> d;
  d.push_back(card.score(goods(day(21.5), 250, 5732)));
  d.push_back(card.score(online(goods(day(23), 300, 5399), "phone-1")));
  d.push_back(card.score(goods(day(24.5), 400, 5944)));
  d.push_back(card.score(goods(day(26), 350, 5712)));
  for (std::size_t i = 0; i + 1 < limit; ++i)
    EXPECT_EQ(find_reason(d[i], rule), nullptr)
      << "purchase " << i + 1 << ": " << reasons_of(d[i]);
  for (std::size_t i = limit - 1; i < d.size(); ++i) {
    auto* r = find_reason(d[i], rule);
    ASSERT_NE(r, nullptr) << "purchase " << i + 1 << ": " << reasons_of(d[i]);
    EXPECT_EQ(r->score, 80);
    EXPECT_EQ(r->value, i + 1);
    EXPECT_EQ(r->threshold, limit);
    EXPECT_NE(r->detail.find("9x the card's typical amount in 7 days"),
              std::string::npos)
      << r->detail;
    EXPECT_EQ(d[i].action, action::decline) << reasons_of(d[i]);
  }
}

TEST_P(goods_rules, two_large_purchases_in_a_week_are_anyones) {
  auto card = ordinary_card();
  auto d = large_goods_on(card, {21.5, 24});
  EXPECT_EQ(find_reason(d, rule), nullptr) << reasons_of(d);
}

TEST_P(goods_rules, three_spread_over_more_than_a_week_are_anyones) {
  auto card = ordinary_card();
  auto d = large_goods_on(card, {21.5, 26, 29});
  EXPECT_EQ(find_reason(d, rule), nullptr) << reasons_of(d);
}

TEST_P(goods_rules, ordinary_purchases_after_them_are_not_declined_for_it) {
  auto card = ordinary_card();
  large_goods_on(card, {21.5, 22.5, 23.5});
  // the cardholder's own groceries, and a large purchase that is not goods
  for (auto& tx : {sample_tx(day(24), 20), goods(day(24.2), 300, 7011)}) {
    auto d = card.score(tx);
    EXPECT_EQ(find_reason(d, rule), nullptr) << reasons_of(d);
  }
  // goods at the card's usual amounts
  auto d = card.score(goods(day(24.5), 40, 5311));
  EXPECT_EQ(find_reason(d, rule), nullptr) << reasons_of(d);
}

TEST_P(goods_rules, is_skipped_in_an_unknown_currency) {
  auto card = ordinary_card();
  large_goods_on(card, {21.5, 22.5});
  auto tx = goods(day(23.5), 300, 5944);
  tx.currency = "XTS";
  auto d = card.score(tx);
  EXPECT_EQ(find_reason(d, rule), nullptr) << reasons_of(d);
  EXPECT_NE(find_reason(d, "unknown_currency"), nullptr) << reasons_of(d);
}

} // namespace
} // namespace fraud::models
