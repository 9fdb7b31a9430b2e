// The rules on money: card_present_spree, and what every rule on amounts
// does with a currency the rates do not know. Each test runs on both the
// hand-written default rules and the compiled default.rules.
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
using test::minute_ms;
using test::online;
using test::reasons_of;
using test::sample_tx;
using test::t0_ms;

constexpr int spree_purchases = 3;  // card_present_spree
constexpr int spree_score = 80;

std::shared_ptr<const ruleset> compiled(std::string_view text) {
  auto r = rules::make_compiled_ruleset(text, "rules-1", nullptr);
  EXPECT_TRUE(r) << r.error().what();
  return *r;
}

class money_rules : public ::testing::TestWithParam<bool> {
protected:
  std::shared_ptr<const ruleset> defaults() const {
    return GetParam() ? compiled(rules::default_rules_text())
                      : make_default_ruleset();
  }
};

INSTANTIATE_TEST_SUITE_P(both, money_rules, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "compiled" : "hand_written";
                         });

/// `n` card-present payments of `amount` dollars, `gap_ms` apart from t0.
std::vector<transaction> habit(int n, double amount, std::int64_t gap_ms) {
  std::vector<transaction> out;
  for (int i = 0; i < n; ++i)
    out.push_back(sample_tx(t0_ms + i * gap_ms, amount));
  return out;
}

TEST_P(money_rules, a_stolen_cards_spree_is_declined_by_its_third_purchase) {
  card_history card{defaults()};
  card.approve(habit(10, 20, day_ms));  // 20 dollars a day
  auto t = t0_ms + 10 * day_ms;
  std::vector<decision> spree;
  for (int i = 0; i < 4; ++i)
    spree.push_back(card.score(sample_tx(t + i * 10 * minute_ms, 100)));
  for (int i = 0; i < spree_purchases - 1; ++i)
    EXPECT_EQ(find_reason(spree[i], "card_present_spree"), nullptr)
      << "purchase " << i + 1 << ": " << reasons_of(spree[i]);
  for (int i = spree_purchases - 1; i < 4; ++i) {
    auto* r = find_reason(spree[i], "card_present_spree");
    ASSERT_NE(r, nullptr) << "purchase " << i + 1 << ": "
                          << reasons_of(spree[i]);
    EXPECT_EQ(r->score, spree_score);
    EXPECT_EQ(r->value, i + 1);
    EXPECT_EQ(r->threshold, spree_purchases);
    EXPECT_NE(r->detail.find("usual daily spend"), std::string::npos)
      << r->detail;
    EXPECT_EQ(spree[i].action, action::decline) << reasons_of(spree[i]);
  }
}

TEST_P(money_rules, a_spree_in_the_local_currency_is_seen_too) {
  card_history card{defaults()};
  card.approve(habit(10, 20, day_ms));
  auto t = t0_ms + 10 * day_ms;
  decision last;
  for (int i = 0; i < spree_purchases; ++i) {
    auto tx = sample_tx(t + i * 10 * minute_ms);
    tx.currency = "JPY";
    tx.amount_minor = 16'000;  // about 100 dollars
    last = card.score(tx);
  }
  EXPECT_NE(find_reason(last, "card_present_spree"), nullptr)
    << reasons_of(last);
}

TEST_P(money_rules, a_young_cards_spree_is_declined_by_its_fourth_purchase) {
  card_history card{defaults()};
  // ten payments of 20 in one day: a usual daily spend of 200 that the
  // spree's approved purchases raise further
  card.approve(habit(10, 20, test::hour_ms));
  auto t = t0_ms + 12 * test::hour_ms;
  std::vector<decision> spree;
  for (int i = 0; i < 5; ++i)
    spree.push_back(card.score(sample_tx(t + i * 10 * minute_ms, 60)));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(find_reason(spree[i], "card_present_spree"), nullptr)
      << "purchase " << i + 1 << ": " << reasons_of(spree[i]);
  for (int i = 3; i < 5; ++i) {
    auto* r = find_reason(spree[i], "card_present_spree");
    ASSERT_NE(r, nullptr) << "purchase " << i + 1 << ": "
                          << reasons_of(spree[i]);
    EXPECT_NE(r->detail.find("4 on a card with under 30 transactions"),
              std::string::npos)
      << r->detail;
    EXPECT_EQ(spree[i].action, action::decline) << reasons_of(spree[i]);
  }
}

TEST_P(money_rules, a_busy_card_buying_big_in_an_hour_is_no_spree) {
  card_history card{defaults()};
  // eight payments of 20 a day: 160 a day; three of 60 are not unusual
  card.approve(habit(80, 20, 3 * test::hour_ms));
  auto t = t0_ms + 80 * 3 * test::hour_ms;
  for (int i = 0; i < 4; ++i) {
    auto d = card.score(sample_tx(t + i * 10 * minute_ms, 60));
    EXPECT_EQ(find_reason(d, "card_present_spree"), nullptr) << reasons_of(d);
  }
}

TEST_P(money_rules, online_purchases_are_no_card_present_spree) {
  card_history card{defaults()};
  card.approve(habit(10, 20, day_ms));
  auto t = t0_ms + 10 * day_ms;
  for (int i = 0; i < 4; ++i) {
    auto d = card.score(
      online(sample_tx(t + i * 10 * minute_ms, 100), "dev-1"));
    EXPECT_EQ(find_reason(d, "card_present_spree"), nullptr) << reasons_of(d);
  }
}

TEST_P(money_rules, two_big_purchases_are_no_spree) {
  card_history card{defaults()};
  card.approve(habit(10, 20, day_ms));
  auto t = t0_ms + 10 * day_ms;
  card.score(sample_tx(t, 100));
  card.score(sample_tx(t + 10 * minute_ms, 100));
  auto d = card.score(sample_tx(t + 20 * minute_ms, 25));
  EXPECT_EQ(find_reason(d, "card_present_spree"), nullptr) << reasons_of(d);
}

transaction unknown_currency(std::int64_t at, std::int64_t minor) {
  auto tx = sample_tx(at);
  tx.currency = "XTS";
  tx.amount_minor = minor;
  return tx;
}

TEST_P(money_rules, an_unknown_currency_skips_the_amount_rules_and_says_so) {
  card_history card{defaults()};
  card.approve(habit(10, 20, day_ms));
  // a huge amount, if the currency were dollars: never judged on it
  auto d = card.score(unknown_currency(t0_ms + 10 * day_ms, 99'999'999));
  auto* r = find_reason(d, "unknown_currency");
  ASSERT_NE(r, nullptr) << reasons_of(d);
  EXPECT_EQ(r->score, 0);
  EXPECT_NE(r->detail.find("XTS"), std::string::npos) << r->detail;
  EXPECT_EQ(find_reason(d, "amount_spike"), nullptr) << reasons_of(d);
  EXPECT_EQ(d.action, action::approve) << "not declined for its currency";
  EXPECT_EQ(d.reasons.back().rule, "unknown_currency");
}

TEST_P(money_rules, an_unknown_currency_still_meets_the_other_rules) {
  card_history card{defaults()};
  std::vector<transaction> txs;
  for (int i = 0; i < 9; ++i)
    txs.push_back(sample_tx(t0_ms + i * 5 * minute_ms, 20));
  card.approve(txs);
  auto d = card.score(unknown_currency(t0_ms + 50 * minute_ms, 2'000));
  EXPECT_NE(find_reason(d, "velocity_spike"), nullptr) << reasons_of(d);
  EXPECT_NE(find_reason(d, "unknown_currency"), nullptr) << reasons_of(d);
}

TEST_P(money_rules, a_known_currency_gives_no_unknown_currency_reason) {
  card_history card{defaults()};
  auto d = card.score(sample_tx(t0_ms, 20));
  EXPECT_EQ(find_reason(d, "unknown_currency"), nullptr) << reasons_of(d);
}

TEST(money_rules_compiled, any_rule_on_an_amount_is_skipped_in_an_unknown_currency) {
  auto rules = compiled("rule big: decline when amount_home > 100\n"
                        "rule not_small: review when not (amount <= 5)\n"
                        "rule hot: review when sum_1h > 0 or count_1h > 50\n"
                        "rule many: review when count_1h >= 1\n");
  card_history card{rules};
  auto d = card.score(unknown_currency(t0_ms, 99'999'999));
  EXPECT_EQ(find_reason(d, "big"), nullptr);
  EXPECT_EQ(find_reason(d, "not_small"), nullptr);
  EXPECT_EQ(find_reason(d, "hot"), nullptr);
  EXPECT_NE(find_reason(d, "many"), nullptr) << "reads no amount: runs";
  EXPECT_NE(find_reason(d, "unknown_currency"), nullptr);
  EXPECT_EQ(d.action, action::review);
  card_history known{rules};
  auto k = known.score(sample_tx(t0_ms, 200));
  EXPECT_NE(find_reason(k, "big"), nullptr) << reasons_of(k);
  EXPECT_NE(find_reason(k, "not_small"), nullptr) << reasons_of(k);
  EXPECT_EQ(find_reason(k, "unknown_currency"), nullptr);
}

TEST(money_rules_compiled, shadow_rules_on_amounts_are_skipped_too) {
  card_history card{compiled("rule big: shadow decline when amount > 1\n")};
  auto d = card.score(unknown_currency(t0_ms, 500));
  EXPECT_TRUE(d.shadow_reasons.empty());
  EXPECT_EQ(d.action, action::approve);
}

} // namespace
} // namespace fraud::models
