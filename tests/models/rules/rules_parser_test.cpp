// The rule language's syntax and its errors: what parses, and for what
// does not, the line, the column and what was expected.
#include <string>

#include <gtest/gtest.h>

#include "models/rules/rule_compiler.hpp"
#include "models/rules/detail/rule_lexer.hpp"
#include "models/rules/detail/rule_parser.hpp"

namespace fraud::models::rules {
namespace {

// The first error compiling `text`, or a failure when there is none.
rule_diagnostic first_error(const std::string& text) {
  auto c = compile(text);
  EXPECT_FALSE(c.program) << "compiled: " << text;
  if (c.errors.empty()) {
    ADD_FAILURE() << "no error for: " << text;
    return {};
  }
  return c.errors.front();
}

void expect_error(const std::string& text, int line, int column,
                  const std::string& part) {
  SCOPED_TRACE(text);
  auto e = first_error(text);
  EXPECT_EQ(e.line, line) << to_string(e);
  EXPECT_EQ(e.column, column) << to_string(e);
  EXPECT_NE(e.message.find(part), std::string::npos)
    << "\"" << part << "\" not in: " << to_string(e);
}

TEST(rules_lexer, cuts_words_numbers_strings_and_symbols_with_positions) {
  auto l = lex("rule a: review\n  when x >= 5.25 and c == \"U\\\"S\" # done");
  ASSERT_TRUE(l.errors.empty());
  ASSERT_EQ(l.tokens.size(), 13u);
  EXPECT_EQ(l.tokens[0].text, "rule");
  EXPECT_EQ(l.tokens[2].kind, token_kind::colon);
  EXPECT_EQ(l.tokens[4].text, "when");
  EXPECT_EQ(l.tokens[4].at.line, 2);
  EXPECT_EQ(l.tokens[4].at.column, 3);
  EXPECT_EQ(l.tokens[6].kind, token_kind::ge);
  EXPECT_DOUBLE_EQ(l.tokens[7].number, 5.25);
  EXPECT_EQ(l.tokens[11].kind, token_kind::string);
  EXPECT_EQ(l.tokens[11].value, "U\"S");
  EXPECT_EQ(l.tokens.back().kind, token_kind::end);
}

TEST(rules_lexer, reports_characters_that_start_no_token) {
  auto l = lex("a && b\n  @");
  ASSERT_EQ(l.errors.size(), 2u);
  EXPECT_EQ(l.errors[0].column, 3);
  EXPECT_NE(l.errors[0].message.find("'and'"), std::string::npos);
  EXPECT_EQ(l.errors[1].line, 2);
  EXPECT_EQ(l.errors[1].column, 3);
}

TEST(rules_parser, reads_every_statement) {
  auto p = parse(R"(
    threshold review 30
    threshold decline 90
    rule a: decline when amount > 1
    rule b: shadow review when amount > 2 say "text"
    rule c: allow when card_id in list vip
    score d: +20 when amount > 3 value amount limit 3
    score e: -10 when amount > 4
    score f: shadow 5 when amount > 5
  )");
  ASSERT_TRUE(p.errors.empty()) << to_string(p.errors[0]);
  auto& s = p.source;
  EXPECT_EQ(s.review_at->value, 30);
  EXPECT_EQ(s.decline_at->value, 90);
  ASSERT_EQ(s.rules.size(), 6u);
  EXPECT_EQ(s.rules[0].verdict, rule_verdict::decline);
  EXPECT_TRUE(s.rules[1].shadow);
  EXPECT_EQ(*s.rules[1].say, "text");
  EXPECT_EQ(s.rules[2].verdict, rule_verdict::allow);
  EXPECT_EQ(s.rules[3].kind, rule_kind::score);
  EXPECT_EQ(s.rules[3].points, 20);
  EXPECT_TRUE(s.rules[3].value && s.rules[3].limit);
  EXPECT_EQ(s.rules[4].points, -10);
  EXPECT_TRUE(s.rules[5].shadow);
  EXPECT_EQ(s.rules[5].points, 5);
}

TEST(rules_parser, keeps_the_condition_as_written_on_one_line) {
  auto p = parse("rule a: review when ( amount>5\n and mcc in [ 1,2 ] )");
  ASSERT_TRUE(p.errors.empty());
  EXPECT_EQ(p.source.rules[0].condition_text,
            "(amount > 5 and mcc in [1, 2])");
}

TEST(rules_parser, an_empty_text_or_only_comments_is_an_empty_ruleset) {
  for (const char* text : {"", "   \n\n", "# nothing\n  # at all"}) {
    auto c = compile(text);
    ASSERT_TRUE(c.program) << text;
    EXPECT_TRUE(c.program->rules.empty());
  }
}

TEST(rules_errors, name_the_line_the_column_and_what_was_expected) {
  expect_error("rule a review when amount > 1", 1, 8, "expected ':'");
  expect_error("rule a: when amount > 1", 1, 9, "expected review, decline");
  expect_error("rule a: review amount > 1", 1, 16, "expected 'when'");
  expect_error("rule a: review when", 1, 20,
               "found the end of the text");
  expect_error("rule a: review when amount >", 1, 29, "expected a value");
  expect_error("rule a: review when amount > 1\n  and (mcc == 5", 2, 16,
               "expected ')' to close the '(' at line 2, column 7");
  expect_error("rule 1: review when amount > 1", 1, 6,
               "expected a rule name");
  expect_error("score a: +x when amount > 1", 1, 11, "expected a score");
  expect_error("score a: +500 when amount > 1", 1, 11, "-100 to +100");
  expect_error("rules a: review when amount > 1", 1, 1,
               "expected 'rule', 'score' or 'threshold'");
  expect_error("threshold maybe 40", 1, 11, "'review' or 'decline'");
  expect_error("threshold review 40.5", 1, 18, "whole score");
  expect_error("rule a: review when amount > 1 amount", 1, 32,
               "expected 'and', 'or'");
  expect_error("rule a: review when 1 < amount < 5", 1, 32,
               "comparisons do not chain");
  expect_error("rule a: review when mcc in [1, 2", 1, 33,
               "',' or ']'");
  expect_error("rule a: review when mcc in 5", 1, 28, "'[' and values");
  expect_error("rule a: review when card_id in list", 1, 36,
               "a list name");
  expect_error("rule a: review when amount = 5", 1, 28, "'=='");
  expect_error("rule a: review when not! new_device", 1, 24, "'not'");
  expect_error("rule a: review when amount > 5 say nothing", 1, 36,
               "a quoted sentence");
  expect_error("rule a: review when amount > 5 limit 3", 1, 32,
               "'limit' comes after 'value'");
  expect_error("rule a: review when x == \"open", 1, 26, "closing");
  expect_error("rule a: review when amount > 5.", 1, 32, "digit");
  expect_error("rule a: review when amount > 5abc", 1, 30,
               "cannot run into a word");
}

TEST(rules_errors, name_unknown_features_and_suggest_the_right_one) {
  expect_error("rule a: review when speed_kmph > 900", 1, 21,
               "did you mean 'speed_kmh'");
  expect_error("rule a: review when country == US", 1, 32,
               "a country is a string: \"US\"");
  expect_error("rule a: review when foo > 1", 1, 21, "unknown name 'foo'");
}

TEST(rules_errors, check_types) {
  expect_error("rule a: review when amount", 1, 21, "expected a condition");
  expect_error("rule a: review when amount > \"5\"", 1, 28,
               "same type on both sides");
  expect_error("rule a: review when country > \"US\"", 1, 29,
               "'==' or '!='");
  expect_error("rule a: review when channel == \"ECOM\"", 1, 29,
               "without quotes");
  expect_error("rule a: review when new_device + 1 > 2", 1, 21,
               "expected a number before an arithmetic operator");
  expect_error("rule a: review when amount and new_device", 1, 21,
               "before 'and'");
  expect_error("rule a: review when not amount", 1, 25, "after 'not'");
  expect_error("rule a: review when mcc in [1, \"x\"]", 1, 32,
               "expected a number in the list");
  expect_error("rule a: review when mcc in [1, tx_count]", 1, 32,
               "a constant");
  expect_error("rule a: review when amount in list x", 1, 21,
               "lists hold strings");
  expect_error("rule a: review when new_device in [true]", 1, 21,
               "before 'in'");
  expect_error("rule a: review when amount > 1 value new_device", 1, 38,
               "a number to report");
  expect_error("rule a: review when amount > 1 say \"{nope}\"", 1, 37,
               "found 'nope'");
  expect_error("rule a: review when amount > 1 say \"{amount:x}\"", 1, 37,
               "one digit");
  expect_error("rule a: review when amount > 1 say \"a } b\"", 1, 39,
               "lone '}'");
}

TEST(rules_errors, refuse_repeated_names_and_thresholds_and_bad_limits) {
  expect_error("rule a: review when amount > 1\nrule a: review when amount > 2",
               2, 6, "already defined");
  expect_error("threshold review 40\nthreshold review 50", 2, 18,
               "already set at line 1");
  expect_error("threshold review 80\nthreshold decline 70", 2, 19,
               "at least the review threshold");
}

TEST(rules_errors, several_are_reported_at_once_in_text_order) {
  auto c = compile("rule a: review when foo > 1\n"
                   "rule b: review when amount >\n"
                   "rule c: review when amount > 1\n"
                   "rule d: review when bar\n");
  ASSERT_FALSE(c.program);
  ASSERT_EQ(c.errors.size(), 3u);
  EXPECT_EQ(c.errors[0].line, 1);
  EXPECT_EQ(c.errors[1].line, 3);  // b's condition runs into "rule c"
  EXPECT_EQ(c.errors[2].line, 4);
}

TEST(rules_errors, nesting_and_size_are_bounded) {
  std::string deep = "rule a: review when ";
  for (int i = 0; i < 200; ++i)
    deep += "(";
  deep += "new_device";
  for (int i = 0; i < 200; ++i)
    deep += ")";
  auto e = first_error(deep);
  EXPECT_NE(e.message.find("nesting deeper"), std::string::npos);
  std::string long_chain = "rule a: review when new_device";
  for (int i = 0; i < 1000; ++i)
    long_chain += " and new_device";
  e = first_error(long_chain);
  EXPECT_NE(e.message.find("operators"), std::string::npos);
  e = first_error(std::string(max_text_size + 1, ' '));
  EXPECT_NE(e.message.find("1 MiB"), std::string::npos);
}

TEST(rules_compiler, warns_about_rules_that_never_or_always_fire) {
  auto c = compile("rule a: review when 1 > 2\nrule b: review when true");
  ASSERT_TRUE(c.program);
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_NE(c.warnings[0].message.find("never"), std::string::npos);
  EXPECT_EQ(c.warnings[1].line, 2);
}

} // namespace
} // namespace fraud::models::rules
