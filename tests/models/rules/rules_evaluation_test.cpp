// What compiled rules decide: every operator and its precedence, numbers,
// strings, channels, sets and named lists, score and hard actions, shadow
// and allow rules, thresholds, and what each reason says.
#include <cmath>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "models/rules/compiled_ruleset.hpp"

namespace fraud::models::rules {
namespace {

std::shared_ptr<const compiled_ruleset>
build(const std::string& text,
      std::shared_ptr<const named_lists> lists = nullptr) {
  auto r = make_compiled_ruleset(text, "test-1", std::move(lists));
  if (!r) {
    ADD_FAILURE() << r.error().what() << "\nin: " << text;
    return nullptr;
  }
  return *r;
}

/// Features of an ordinary card-present payment of 100.
features sample() {
  features f;
  f.amount = 100;
  f.channel = channel::pos;
  f.mcc = 5411;
  f.country[0] = 'U';
  f.country[1] = 'S';
  f.home_country[0] = 'U';
  f.home_country[1] = 'S';
  f.tx_count = 10;
  f.avg_amount = 50;
  f.amount_ratio = 2;
  f.count_1m = 1;
  f.count_1h = 2;
  f.count_24h = 5;
  f.card_id = "card-1";
  f.merchant_id = "m-1";
  return f;
}

/// Whether `condition` holds for `f`.
bool holds(const std::string& condition, const features& f = sample(),
           std::shared_ptr<const named_lists> lists = nullptr) {
  auto r = build("rule t: review when " + condition, std::move(lists));
  if (!r)
    return false;
  evaluation e;
  r->evaluate(f, e);
  return !e.reasons.empty();
}

TEST(rules_evaluation, compares_numbers_with_every_operator) {
  EXPECT_TRUE(holds("amount > 99.5"));
  EXPECT_FALSE(holds("amount > 100"));
  EXPECT_TRUE(holds("amount >= 100"));
  EXPECT_FALSE(holds("amount >= 100.01"));
  EXPECT_TRUE(holds("amount < 100.01"));
  EXPECT_FALSE(holds("amount < 100"));
  EXPECT_TRUE(holds("amount <= 100"));
  EXPECT_FALSE(holds("amount <= 99.99"));
  EXPECT_TRUE(holds("amount == 100"));
  EXPECT_FALSE(holds("amount == 100.5"));
  EXPECT_TRUE(holds("amount != 100.5"));
  EXPECT_FALSE(holds("amount != 100"));
  // the constant on the left, and counts (stored as whole numbers)
  EXPECT_TRUE(holds("99 < amount"));
  EXPECT_FALSE(holds("100 < amount"));
  EXPECT_TRUE(holds("tx_count >= 10 and tx_count <= 10 and tx_count == 10"));
  EXPECT_FALSE(holds("tx_count > 10 or tx_count < 10 or tx_count != 10"));
  EXPECT_TRUE(holds("tx_count > 9.5 and tx_count < 10.5"));
  EXPECT_TRUE(holds("tx_count >= -3"));
  EXPECT_FALSE(holds("tx_count < 0"));
}

TEST(rules_evaluation, computes_with_arithmetic) {
  EXPECT_TRUE(holds("amount > 1.5 * avg_amount"));
  EXPECT_FALSE(holds("amount > 2 * avg_amount"));
  EXPECT_TRUE(holds("amount - avg_amount == 50"));
  EXPECT_TRUE(holds("amount / avg_amount == amount_ratio"));
  EXPECT_TRUE(holds("-amount < -99"));
  EXPECT_TRUE(holds("2 + 3 * 4 == 14"));      // * before +
  EXPECT_TRUE(holds("(2 + 3) * 4 == 20"));
  EXPECT_TRUE(holds("10 - 4 - 3 == 3"));      // left to right
  EXPECT_TRUE(holds("12 / 3 / 2 == 2"));
  EXPECT_TRUE(holds("count_1h + count_24h == 7"));
  EXPECT_FALSE(holds("amount / 0 < 1"));      // infinity
}

TEST(rules_evaluation, combines_with_and_or_not_and_parentheses) {
  EXPECT_TRUE(holds("amount > 1 and mcc == 5411"));
  EXPECT_FALSE(holds("amount > 1 and mcc == 1"));
  EXPECT_TRUE(holds("amount > 1000 or mcc == 5411"));
  EXPECT_FALSE(holds("amount > 1000 or mcc == 1"));
  EXPECT_TRUE(holds("not new_device"));
  EXPECT_FALSE(holds("not not new_device"));
  // and binds tighter than or: true or (false and false)
  EXPECT_TRUE(holds("card_present or new_device and new_country"));
  EXPECT_FALSE(holds("(card_present or new_device) and new_country"));
  // not binds tighter than and: (not false) and true
  EXPECT_TRUE(holds("not new_device and card_present"));
  EXPECT_FALSE(holds("not (new_device or card_present)"));
  // comparisons bind tighter than not
  EXPECT_TRUE(holds("not amount > 500"));
  EXPECT_TRUE(holds("true"));
  EXPECT_FALSE(holds("false"));
  EXPECT_TRUE(holds("card_present == true and new_device == false"));
  EXPECT_TRUE(holds("card_present != new_device"));
  EXPECT_FALSE(holds("card_present == new_device"));
}

TEST(rules_evaluation, compares_strings_and_channels) {
  EXPECT_TRUE(holds("country == \"US\""));
  EXPECT_TRUE(holds("country == 'US'"));
  EXPECT_FALSE(holds("country != \"US\""));
  EXPECT_TRUE(holds("country == home_country"));
  EXPECT_TRUE(holds("card_id == \"card-1\" and device_id == \"\""));
  EXPECT_TRUE(holds("\"a\" != \"b\""));
  EXPECT_TRUE(holds("channel == POS"));
  EXPECT_FALSE(holds("channel == ECOM"));
  EXPECT_TRUE(holds("channel != ATM"));
  EXPECT_TRUE(holds("ECOM != channel"));
  auto online = sample();
  online.channel = channel::ecom;
  online.country[0] = 'F';
  online.country[1] = 'R';
  EXPECT_TRUE(holds("channel == ECOM and country != home_country", online));
}

TEST(rules_evaluation, tests_membership_in_sets) {
  EXPECT_TRUE(holds("mcc in [6051, 5411]"));
  EXPECT_FALSE(holds("mcc in [6051, 6211]"));
  EXPECT_TRUE(holds("mcc not in [6051, 6211]"));
  EXPECT_TRUE(holds("amount in [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]"));
  EXPECT_TRUE(holds("country in [\"FR\", \"US\"]"));
  EXPECT_FALSE(holds("country in [\"FR\", \"DE\"]"));
  EXPECT_TRUE(holds("country not in [\"FR\"]"));
  EXPECT_TRUE(holds("channel in [POS, ATM]"));   // not a run: a mask
  EXPECT_TRUE(holds("channel in [POS, ECOM]"));  // a run: a range
  EXPECT_FALSE(holds("channel in [ECOM]"));
  EXPECT_TRUE(holds("channel not in [ECOM, ATM]"));
  EXPECT_TRUE(holds("mcc in [5000 + 411]"));
}

TEST(rules_evaluation, tests_membership_in_named_lists) {
  named_lists::map_type m;
  m["blocked_cards"] = {"card-9", "card-1"};
  m["blocked_countries"] = {"NG"};
  auto lists = std::make_shared<named_lists>(std::move(m));
  EXPECT_TRUE(holds("card_id in list blocked_cards", sample(), lists));
  EXPECT_FALSE(holds("card_id not in list blocked_cards", sample(), lists));
  EXPECT_FALSE(holds("country in list blocked_countries", sample(), lists));
  EXPECT_FALSE(holds("merchant_id in list nobody_made_this", sample(), lists));
  EXPECT_TRUE(holds("merchant_id not in list nobody_made_this", sample(),
                    lists));
  auto r = build("rule a: decline when card_id in list blocked_cards or "
                 "ip in list blocked_ips", lists);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->empty_lists(), std::vector<std::string>{"blocked_ips"});
}

TEST(rules_evaluation, lists_its_rules_live_and_shadow_in_text_order) {
  auto r = build("rule big: review when amount > 100\n"
                 "rule watch: shadow decline when amount > 50\n"
                 "score quiet: +10 when amount > 1000000000\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule_names(),
            (std::vector<rule_name>{{"big", false}, {"watch", true},
                                    {"quiet", false}}));
  // A rule that can never fire is still one of the ruleset's rules.
  auto none = build("rule never: review when amount < 0 and amount > 0\n");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->rule_names(), (std::vector<rule_name>{{"never", false}}));
}

TEST(rules_evaluation, a_list_change_needs_no_recompilation) {
  auto empty = build("rule blocked: decline when card_id in list blocked");
  ASSERT_TRUE(empty);
  named_lists::map_type m;
  m["blocked"] = {"card-1"};
  compiled_ruleset filled{empty->program(),
                          std::make_shared<named_lists>(std::move(m)),
                          "test-1"};
  evaluation e;
  empty->evaluate(sample(), e);
  EXPECT_EQ(e.action, action::approve);
  filled.evaluate(sample(), e);
  EXPECT_EQ(e.action, action::decline);
}

TEST(rules_evaluation, a_list_change_shares_the_lists_it_leaves_alone) {
  named_lists::map_type m;
  m["blocked"] = {"card-2", "card-1", "card-1"};
  m["trusted"] = {"m-1"};
  named_lists before{std::move(m)};
  auto after = before.with("blocked", {"card-3", "card-1"});
  EXPECT_EQ(*after.find("blocked"), (list_entries{"card-1", "card-3"}));
  EXPECT_EQ(*before.find("blocked"), (list_entries{"card-1", "card-2"}))
    << "a snapshot never changes";
  EXPECT_EQ(after.find("trusted"), before.find("trusted")) << "not copied";
  auto gone = after.with("blocked", {});
  EXPECT_EQ(gone.find("blocked"), nullptr);
  EXPECT_EQ(gone.size(), 1u);
}

TEST(rules_evaluation, scores_add_up_and_the_thresholds_decide) {
  auto r = build("threshold review 30\nthreshold decline 60\n"
                 "score a: +20 when amount > 50\n"
                 "score b: +15 when mcc == 5411\n"
                 "score c: +40 when new_device\n");
  ASSERT_TRUE(r);
  evaluation e;
  r->evaluate(sample(), e);
  EXPECT_EQ(e.score, 35);
  EXPECT_EQ(e.action, action::review);
  ASSERT_EQ(e.reasons.size(), 2u);
  EXPECT_EQ(e.reasons[0].rule, "a");
  EXPECT_EQ(e.reasons[0].score, 20);
  auto f = sample();
  f.new_device = true;
  r->evaluate(f, e);
  EXPECT_EQ(e.score, 75);
  EXPECT_EQ(e.action, action::decline);
}

TEST(rules_evaluation, scores_stay_between_0_and_100) {
  auto r = build("score a: +80 when true\nscore b: +80 when true\n"
                 "score c: -30 when true");
  evaluation e;
  r->evaluate(sample(), e);
  EXPECT_EQ(e.score, 70);  // clamped at 100 before c took 30 off
  r = build("score a: -30 when true\nscore b: +20 when true");
  r->evaluate(sample(), e);
  EXPECT_EQ(e.score, 20);
}

TEST(rules_evaluation, hard_actions_raise_and_allow_wins) {
  auto r = build("rule look: review when amount > 50\n"
                 "rule stop: decline when mcc == 5411\n"
                 "rule fine: allow when card_id == \"card-1\"\n"
                 "score s: +90 when true");
  evaluation e;
  r->evaluate(sample(), e);
  EXPECT_EQ(e.action, action::approve);
  ASSERT_EQ(e.reasons.size(), 4u);
  EXPECT_EQ(e.reasons[0].score, 0);
  EXPECT_EQ(e.reasons[2].rule, "fine");
  EXPECT_EQ(e.score, 90);
  auto other = sample();
  other.card_id = "card-2";
  r->evaluate(other, e);
  EXPECT_EQ(e.action, action::decline);
  r = build("rule look: review when amount > 50");
  r->evaluate(sample(), e);
  EXPECT_EQ(e.action, action::review);
  EXPECT_EQ(e.score, 0);
}

TEST(rules_evaluation, shadow_rules_are_recorded_apart_and_change_nothing) {
  auto r = build("rule watch: shadow decline when amount > 50\n"
                 "score maybe: shadow +90 when true\n"
                 "rule fine: shadow allow when true\n"
                 "rule look: review when amount > 50");
  evaluation e;
  r->evaluate(sample(), e);
  EXPECT_EQ(e.action, action::review);
  EXPECT_EQ(e.score, 0);
  ASSERT_EQ(e.reasons.size(), 1u);
  EXPECT_EQ(e.reasons[0].rule, "look");
  ASSERT_EQ(e.shadow_reasons.size(), 3u);
  EXPECT_EQ(e.shadow_reasons[0].rule, "watch");
  EXPECT_EQ(e.shadow_reasons[1].rule, "maybe");
  EXPECT_EQ(e.shadow_reasons[1].score, 90);
}

TEST(rules_evaluation, evaluation_overwrites_what_was_there) {
  auto r = build("rule a: shadow review when new_device");
  evaluation e;
  e.action = action::decline;
  e.score = 99;
  e.reasons.push_back(reason{"stale", "", 0, 0, 99});
  e.shadow_reasons.push_back(reason{"stale", "", 0, 0, 0});
  r->evaluate(sample(), e);
  EXPECT_EQ(e.action, action::approve);
  EXPECT_EQ(e.score, 0);
  EXPECT_TRUE(e.reasons.empty());
  EXPECT_TRUE(e.shadow_reasons.empty());
}

TEST(rules_evaluation, reasons_report_value_limit_and_a_sentence) {
  auto r = build("score fast: +10 when card_present and speed_kmh > 900 and "
                 "distance_km > 300\n"
                 "score named: +10 when amount > 1 value amount_ratio limit 3 "
                 "say \"{amount_ratio:1}x in {country} on {channel}, limit "
                 "{limit}, {{braces}} {new_device}\"\n"
                 "score flipped: +10 when 50 < amount\n"
                 "rule plain: review when new_device == false");
  auto f = sample();
  f.speed_kmh = 1234.5;
  f.distance_km = 456;
  evaluation e;
  r->evaluate(f, e);
  ASSERT_EQ(e.reasons.size(), 4u);
  EXPECT_DOUBLE_EQ(e.reasons[0].value, 1234.5);  // the first comparison
  EXPECT_DOUBLE_EQ(e.reasons[0].threshold, 900);
  EXPECT_EQ(e.reasons[0].detail,
            "card_present and speed_kmh > 900 and distance_km > 300: "
            "card_present=true, speed_kmh=1234.50, distance_km=456");
  EXPECT_DOUBLE_EQ(e.reasons[1].value, 2);
  EXPECT_DOUBLE_EQ(e.reasons[1].threshold, 3);
  EXPECT_EQ(e.reasons[1].detail,
            "2.0x in US on POS, limit 3, {braces} false");
  EXPECT_DOUBLE_EQ(e.reasons[2].value, 100);  // the measured side
  EXPECT_DOUBLE_EQ(e.reasons[2].threshold, 50);
  EXPECT_DOUBLE_EQ(e.reasons[3].value, 0);  // nothing to measure
  EXPECT_EQ(e.reasons[3].detail, "new_device == false: new_device=false");
}

TEST(rules_evaluation, rules_sharing_a_first_test_still_decide_alone) {
  // The compiler skips tests an earlier answer decided; every combination
  // must still give each rule its own answer.
  auto r = build("rule a: review when count_1h >= 5 and new_device\n"
                 "rule b: review when count_1h >= 5\n"
                 "rule c: review when count_1h >= 3 and not new_device\n"
                 "rule d: review when count_1h < 3 or count_1h > 8\n"
                 "rule e: review when new_device");
  for (std::uint32_t n : {0u, 3u, 4u, 5u, 9u}) {
    for (bool device : {false, true}) {
      auto f = sample();
      f.count_1h = n;
      f.new_device = device;
      evaluation ev;
      r->evaluate(f, ev);
      std::string fired;
      for (auto& x : ev.reasons)
        fired += x.rule;
      std::string want;
      if (n >= 5 && device)
        want += "a";
      if (n >= 5)
        want += "b";
      if (n >= 3 && !device)
        want += "c";
      if (n < 3 || n > 8)
        want += "d";
      if (device)
        want += "e";
      EXPECT_EQ(fired, want) << "count_1h " << n << " new_device " << device;
    }
  }
}

TEST(rules_evaluation, nan_compares_as_in_cpp) {
  auto f = sample();
  f.amount_z = std::nan("");
  EXPECT_FALSE(holds("amount_z > 1", f));
  EXPECT_FALSE(holds("amount_z <= 1", f));
  EXPECT_FALSE(holds("amount_z == 1", f));
  EXPECT_TRUE(holds("amount_z != 1", f));
}

} // namespace
} // namespace fraud::models::rules
