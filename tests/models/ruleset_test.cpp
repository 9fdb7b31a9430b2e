// The arithmetic every ruleset shares: scores add up within 0..100,
// thresholds map the score to an action, hard actions never go down.
#include "models/ruleset.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fraud::models {
namespace {

reason scored(const char* rule, int score) {
  return reason{rule, std::string{"because of "} + rule, 1, 1, score};
}

/// The action for `score` under `t`, from a fresh evaluation.
action settled(int score, thresholds t = {}) {
  evaluation e;
  e.score = score;
  settle(e, t);
  return e.action;
}

TEST(ruleset, default_thresholds_review_at_40_and_decline_at_75) {
  thresholds t;
  EXPECT_EQ(t.review_at, 40);
  EXPECT_EQ(t.decline_at, 75);
}

TEST(ruleset, settle_maps_the_score_through_the_thresholds) {
  thresholds t;
  EXPECT_EQ(settled(0, t), action::approve);
  EXPECT_EQ(settled(t.review_at - 1, t), action::approve);
  EXPECT_EQ(settled(t.review_at, t), action::review);
  EXPECT_EQ(settled(t.decline_at - 1, t), action::review);
  EXPECT_EQ(settled(t.decline_at, t), action::decline);
  EXPECT_EQ(settled(100, t), action::decline);
}

TEST(ruleset, settle_follows_other_thresholds) {
  thresholds strict{10, 20};
  EXPECT_EQ(settled(9, strict), action::approve);
  EXPECT_EQ(settled(10, strict), action::review);
  EXPECT_EQ(settled(20, strict), action::decline);
  thresholds no_review{50, 50};
  EXPECT_EQ(settled(49, no_review), action::approve);
  EXPECT_EQ(settled(50, no_review), action::decline);
}

TEST(ruleset, add_score_adds_and_records_the_reason) {
  evaluation e;
  add_score(e, scored("a", 30));
  add_score(e, scored("b", 25));
  EXPECT_EQ(e.score, 55);
  ASSERT_EQ(e.reasons.size(), 2u);
  EXPECT_EQ(e.reasons[0].rule, "a");
  EXPECT_EQ(e.reasons[1].rule, "b");
  EXPECT_EQ(e.reasons[1].score, 25);
  EXPECT_EQ(e.action, action::approve);  // only settle decides
}

TEST(ruleset, add_score_clamps_to_100) {
  evaluation e;
  add_score(e, scored("a", 80));
  add_score(e, scored("b", 80));
  EXPECT_EQ(e.score, 100);
  EXPECT_EQ(e.reasons.size(), 2u);
  EXPECT_EQ(e.reasons[1].score, 80);  // the reason says what the rule gave
}

TEST(ruleset, add_score_clamps_to_0) {
  evaluation e;
  add_score(e, scored("a", 20));
  add_score(e, scored("trusted", -50));
  EXPECT_EQ(e.score, 0);
  add_score(e, scored("b", 30));
  EXPECT_EQ(e.score, 30);
}

TEST(ruleset, force_action_raises_the_action) {
  evaluation e;
  force_action(e, action::review, scored("hard", 0));
  EXPECT_EQ(e.action, action::review);
  force_action(e, action::decline, scored("harder", 0));
  EXPECT_EQ(e.action, action::decline);
  EXPECT_EQ(e.score, 0);
  EXPECT_EQ(e.reasons.size(), 2u);
}

TEST(ruleset, force_action_never_lowers_the_action) {
  evaluation e;
  force_action(e, action::decline, scored("hard", 0));
  force_action(e, action::approve, scored("allow", 0));
  force_action(e, action::review, scored("look", 0));
  EXPECT_EQ(e.action, action::decline);
  EXPECT_EQ(e.reasons.size(), 3u);
}

TEST(ruleset, settle_keeps_a_stronger_forced_action) {
  evaluation e;
  force_action(e, action::decline, scored("blocked", 0));
  settle(e, thresholds{});
  EXPECT_EQ(e.action, action::decline);
  EXPECT_EQ(e.score, 0);
}

TEST(ruleset, settle_raises_a_weaker_forced_action) {
  evaluation e;
  force_action(e, action::review, scored("look", 0));
  add_score(e, scored("a", 90));
  settle(e, thresholds{});
  EXPECT_EQ(e.action, action::decline);
}

TEST(ruleset, default_ruleset_has_a_version) {
  auto rules = make_default_ruleset();
  ASSERT_NE(rules, nullptr);
  EXPECT_FALSE(rules->version().empty());
}

TEST(ruleset, evaluate_overwrites_what_was_in_the_evaluation) {
  auto rules = make_default_ruleset();
  evaluation e;
  e.action = action::decline;
  e.score = 99;
  e.reasons.push_back(scored("stale", 99));
  features quiet;  // a first card-present payment: nothing to see
  quiet.amount = 20;
  quiet.count_1m = quiet.count_1h = quiet.count_24h = 1;
  rules->evaluate(quiet, e);
  EXPECT_EQ(e.action, action::approve);
  EXPECT_EQ(e.score, 0);
  EXPECT_TRUE(e.reasons.empty());
}

} // namespace
} // namespace fraud::models
