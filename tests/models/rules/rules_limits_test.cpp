// What one ruleset may hold and cost: rules per text, reasons
// per decision and the length of each, and the measured cost of scoring
// with it.
#include <string>

#include <gtest/gtest.h>

#include "models/rules/compiled_ruleset.hpp"
#include "models/rules/detail/rule_detail.hpp"
#include "models/rules/rule_compiler.hpp"
#include "models/rules/rule_cost.hpp"
#include "models/ruleset.hpp"

namespace fraud::models::rules {
namespace {

// `n` score rules that all fire on any transaction, each adding `points`.
std::string always_firing(std::size_t n, int points = 1) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i)
    text += "score r" + std::to_string(i) + ": +" + std::to_string(points)
            + " when amount >= 0 say \"rule " + std::to_string(i)
            + " saw {amount:2}\"\n";
  return text;
}

TEST(rules_limits, a_text_with_too_many_rules_is_refused_saying_the_limit) {
  EXPECT_TRUE(compile(always_firing(max_rules)).program);
  auto r = compile(always_firing(max_rules + 1));
  EXPECT_FALSE(r.program);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("at most " + std::to_string(max_rules)),
            std::string::npos)
    << r.errors[0].message;
}

TEST(rules_limits, a_decision_keeps_max_reasons_and_says_how_many_more) {
  auto text = always_firing(100, 0)
              + "rule last: decline when amount >= 0 say \"the 101st\"\n";
  auto rules = make_compiled_ruleset(text, "t-1", nullptr);
  ASSERT_TRUE(rules) << rules.error().what();
  features f;
  f.amount = 10;
  evaluation e;
  (*rules)->evaluate(f, e);
  ASSERT_EQ(e.reasons.size(), max_reasons + 1);
  EXPECT_EQ(e.reasons.back().rule, "more_reasons");
  EXPECT_EQ(e.reasons.back().value, 101 - static_cast<int>(max_reasons));
  EXPECT_EQ(e.action, action::decline) << "a rule past the cap still acts";
}

TEST(rules_limits, a_reason_detail_is_cut_at_max_detail_bytes) {
  // Found by hostile input: 64 rules whose say repeats {device_id} 140
  // times cost little on the sample traffic (short device ids) and passed
  // the budget, but a 128-character device id made a decision of 1.1 MB,
  // more than NATS carries: the authoriser got no answer at all.
  std::string say;
  for (int i = 0; i < 140; ++i)
    say += "{device_id}";
  auto rules = make_compiled_ruleset(
    "rule big: review when true say \"" + say + "\"\n"
      "rule wide: shadow review when true say \"" + std::string(2000, 'x')
      + "\"\n"
      "rule accents: shadow review when true say \"a"
      + [] { std::string s; for (int i = 0; i < 600; ++i) s += "\xc3\xa9"; return s; }()
      + "\"\n",
    "t-1", nullptr);
  ASSERT_TRUE(rules) << rules.error().what();
  features f;
  std::string device(128, 'd');
  f.device_id = device;
  evaluation e;
  (*rules)->evaluate(f, e);
  ASSERT_EQ(e.reasons.size(), 1u);
  ASSERT_EQ(e.shadow_reasons.size(), 2u);
  for (auto* r : {&e.reasons[0], &e.shadow_reasons[0], &e.shadow_reasons[1]}) {
    EXPECT_LE(r->detail.size(), max_detail_bytes) << r->rule;
    EXPECT_GT(r->detail.size(), max_detail_bytes - 5) << r->rule;
    EXPECT_EQ(r->detail.substr(r->detail.size() - 3), "...") << r->rule;
  }
  // "a" and then two-byte characters: the cut falls between two of them.
  EXPECT_EQ(e.shadow_reasons[1].detail.size(), max_detail_bytes);
  EXPECT_EQ(e.reasons[0].detail.substr(0, 128), device);
}

TEST(rules_limits, a_short_detail_is_left_whole) {
  auto rules = make_compiled_ruleset(
    "rule a: review when true say \"" + std::string(max_detail_bytes, 'x')
      + "\"\n",
    "t-1", nullptr);
  ASSERT_TRUE(rules) << rules.error().what();
  evaluation e;
  (*rules)->evaluate(features{}, e);
  ASSERT_EQ(e.reasons.size(), 1u);
  EXPECT_EQ(e.reasons[0].detail, std::string(max_detail_bytes, 'x'));
}

TEST(rules_limits, scores_past_the_cap_still_count) {
  auto rules = make_compiled_ruleset(always_firing(60, 1), "t-1", nullptr);
  ASSERT_TRUE(rules);
  features f;
  evaluation e;
  (*rules)->evaluate(f, e);
  EXPECT_EQ(e.score, 60);
  EXPECT_EQ(e.action, action::review);
}

TEST(rules_limits, cost_is_measured_and_grows_with_the_rules) {
  auto light = measure_cost_ns(*make_default_ruleset(), 500);
  EXPECT_GT(light, 0);
  auto heavy_rules = make_compiled_ruleset(always_firing(max_rules), "h",
                                           nullptr);
  ASSERT_TRUE(heavy_rules);
  auto heavy = measure_cost_ns(**heavy_rules, 500);
  EXPECT_GT(heavy, light) << "light " << light << " ns, heavy " << heavy;
}

// A reason's detail for a `say` text of `n` characters, and the warnings.
std::string detail_of(const std::string& say,
                      std::vector<rule_diagnostic>* warnings = nullptr) {
  auto text = "rule a: review when amount > 1 say \"" + say + "\"\n";
  auto c = compile(text);
  EXPECT_TRUE(c.program);
  if (warnings != nullptr)
    *warnings = c.warnings;
  auto rules = make_compiled_ruleset(text, "t-1", nullptr);
  features f;
  f.amount = 10;
  evaluation e;
  (*rules)->evaluate(f, e);
  return e.reasons.at(0).detail;
}

TEST(rules_limits, a_long_say_text_is_cut_in_the_reason_with_a_warning) {
  std::vector<rule_diagnostic> warnings;
  std::string fits(max_detail_bytes, 's');
  EXPECT_EQ(detail_of(fits, &warnings), fits);
  EXPECT_TRUE(warnings.empty());
  auto cut = detail_of(std::string(5000, 's'), &warnings);
  EXPECT_EQ(cut, std::string(max_detail_bytes - 3, 's') + "...");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].message.find("the rest is cut"), std::string::npos)
    << warnings[0].message;
  // placeholders count as what they show; a character is never split
  EXPECT_EQ(detail_of(std::string(max_detail_bytes - 5, 's') + "{amount:2}")
              .size(),
            max_detail_bytes);
  auto accents = detail_of(std::string(max_detail_bytes - 4, 's')
                           + "\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_EQ(accents, std::string(max_detail_bytes - 4, 's') + "...");
}

TEST(rules_limits, a_long_condition_is_cut_in_the_reason) {
  std::string condition = "amount > 1";
  for (int i = 0; i < 100; ++i)
    condition += " and amount > 1";
  auto rules = make_compiled_ruleset("rule a: review when " + condition,
                                     "t-1", nullptr);
  ASSERT_TRUE(rules) << rules.error().what();
  features f;
  f.amount = 10;
  evaluation e;
  (*rules)->evaluate(f, e);
  ASSERT_EQ(e.reasons.size(), 1u);
  auto& detail = e.reasons[0].detail;
  EXPECT_EQ(detail.substr(0, max_condition_in_detail),
            condition.substr(0, max_condition_in_detail - 3) + "...");
  EXPECT_LT(detail.size(), max_condition_in_detail + 40) << detail;
}

} // namespace
} // namespace fraud::models::rules
