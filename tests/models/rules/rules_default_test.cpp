// The default ruleset written in the rule language (models/default.rules)
// against the hand-written one (models/default_ruleset.cpp): over many
// random card histories, every decision must be the same, reason for
// reason. A rule tuned in one place and not the other fails here.
#include <map>
#include <string>
#include <unordered_map>

#include <gtest/gtest.h>

#include "models/entity_features.hpp"
#include "models/rules/compiled_ruleset.hpp"
#include "models/model_features.hpp"
#include "models/model_score.hpp"
#include "models/scoring.hpp"
#include "tests/models/card_history.hpp"
#include "tests/models/random_histories.hpp"

namespace fraud::models {
namespace {

std::shared_ptr<const ruleset> language_default() {
  auto r = rules::make_compiled_ruleset(rules::default_rules_text(), "rules-1",
                                        nullptr);
  if (!r) {
    ADD_FAILURE() << r.error().what();
    return nullptr;
  }
  return *r;
}

void expect_same(const decision& hand, const decision& text,
                 const transaction& tx) {
  SCOPED_TRACE("transaction " + tx.tx_id + " of " + tx.card_id);
  EXPECT_EQ(hand.action, text.action);
  EXPECT_EQ(hand.score, text.score);
  ASSERT_EQ(hand.reasons.size(), text.reasons.size())
    << "hand-written: " << test::reasons_of(hand)
    << "\nlanguage:     " << test::reasons_of(text);
  for (std::size_t i = 0; i < hand.reasons.size(); ++i) {
    auto& a = hand.reasons[i];
    auto& b = text.reasons[i];
    EXPECT_EQ(a.rule, b.rule);
    EXPECT_EQ(a.score, b.score) << a.rule;
    EXPECT_DOUBLE_EQ(a.value, b.value) << a.rule;
    EXPECT_DOUBLE_EQ(a.threshold, b.threshold) << a.rule;
    EXPECT_EQ(a.detail, b.detail) << a.rule;
  }
  EXPECT_TRUE(text.shadow_reasons.empty());
}

// Cards that share devices, addresses and a web shop, as rings, offices
// and card testers do: online payments of neighbouring cards (the
// histories come card by card, their times overlapping) moved onto a few
// shared ones.
std::vector<transaction> share_entities(std::vector<transaction> txs) {
  for (std::size_t i = 0; i < txs.size(); ++i) {
    auto& tx = txs[i];
    if (tx.channel != channel::ecom)
      continue;
    if (i % 5 == 0)
      tx.device_id = "shared-device-" + std::to_string(i % 3);
    if (i % 3 == 0)
      tx.ip = "192.0.2." + std::to_string(i % 4);
    if (i % 4 == 0)
      tx.merchant_id = "m-small-shop";
  }
  return txs;
}

TEST(rules_default, the_text_compiles_without_warnings) {
  auto c = rules::compile(rules::default_rules_text());
  ASSERT_TRUE(c.program);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.program->rules.size(), 12u);
}

TEST(rules_default, lists_the_same_rules_as_the_hand_written_ones) {
  auto text = language_default();
  ASSERT_TRUE(text);
  auto names = make_default_ruleset()->rule_names();
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(names, text->rule_names());
  // With a model, the same rules: the model adds a feature, not a rule.
  tree_model_spec one_leaf;
  one_leaf.feature_count = static_cast<std::uint32_t>(model_feature_count);
  one_leaf.trees.push_back(tree_spec{{-1}, {-1}, {0}, {0.0f}, {0}});
  auto model =
    std::make_shared<const tree_model>(*tree_model::build(one_leaf));
  EXPECT_EQ(with_model_score(text, model)->rule_names(), names);
}

TEST(rules_default, decides_as_the_hand_written_rules_on_random_histories) {
  auto hand = make_default_ruleset();
  auto text = language_default();
  ASSERT_TRUE(text);
  std::map<std::string, int> fired;
  std::map<action, int> actions;
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    auto txs = share_entities(test::random_histories{seed}.make(120, 60));
    std::unordered_map<std::string, card_state> by_hand, by_text;
    entity_book hand_entities, text_entities;
    evaluation scratch_a, scratch_b;
    auto& fx = default_rates();
    for (auto& tx : txs) {
      auto va = hand_entities.observe(tx, fx);
      auto vb = text_entities.observe(tx, fx);
      auto a = score_and_apply(by_hand[tx.card_id], tx, *hand, fx, scratch_a,
                               &va);
      auto b = score_and_apply(by_text[tx.card_id], tx, *text, fx, scratch_b,
                               &vb);
      if (a.action == action::decline)
        hand_entities.declined(tx);
      if (b.action == action::decline)
        text_entities.declined(tx);
      expect_same(a, b, tx);
      if (HasFailure())
        return;  // one history is enough to show the drift
      for (auto& r : a.reasons)
        ++fired[r.rule];
      ++actions[a.action];
    }
  }
  // The histories must exercise every rule, or the comparison proves little.
  for (const char* rule :
       {"impossible_travel", "card_testing", "new_device_far_away",
        "new_device_amount", "new_country_amount", "amount_spike",
        "velocity_spike", "card_present_spree", "goods_spending_repeat",
        "ring_device", "ring_ip",
        "merchant_card_testing", "unknown_currency"})
    EXPECT_GE(fired[rule], 10) << rule << " fired too rarely to compare";
  EXPECT_GE(actions[action::review], 10);
  EXPECT_GE(actions[action::decline], 10);
  EXPECT_GE(actions[action::approve], 1000);
}

} // namespace
} // namespace fraud::models
