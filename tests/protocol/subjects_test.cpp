#include <gtest/gtest.h>

#include "protocol/subjects.hpp"

namespace {

using fraud::protocol::subjects::card_token;

TEST(card_token, last_token_by_default) {
  EXPECT_EQ(card_token("fraud.tx.card-1", 0), "card-1");
  EXPECT_EQ(card_token("fraud.p.3.card-1", 0), "card-1");
  EXPECT_EQ(card_token("card-1", 0), "card-1");
}

TEST(card_token, by_position) {
  EXPECT_EQ(card_token("fraud.tx.card-1", 3), "card-1");
  EXPECT_EQ(card_token("fraud.p.3.card-1", 3), "3");
  EXPECT_EQ(card_token("fraud.p.3.card-1", 4), "card-1");
  EXPECT_EQ(card_token("fraud.tx.card-1.extra", 3), "card-1");
  EXPECT_EQ(card_token("fraud.tx", 3), "");
  EXPECT_EQ(card_token("fraud.tx.", 3), "");
}

TEST(decision_subject, action_in_lower_case_then_card) {
  std::string s;
  fraud::protocol::subjects::decision_subject(fraud::models::action::decline, "c-9", s);
  EXPECT_EQ(s, "fraud.decisions.decline.c-9");
  fraud::protocol::subjects::decision_subject(fraud::models::action::approve, "x", s);
  EXPECT_EQ(s, "fraud.decisions.approve.x");
}

} // namespace

TEST(subjects, changes_are_the_verbs_that_write) {
  namespace s = fraud::protocol::subjects;
  for (auto* change : {s::rules_set, s::rules_rollback, s::lists_add,
                       s::lists_remove, s::labels, s::cases_resolve,
                       s::rates_set, s::rates_rollback, s::model_set,
                       s::model_rollback})
    EXPECT_TRUE(s::is_change(change)) << change;
  for (auto* read : {s::rules_get, s::rules_history, s::rules_shadow,
                     s::lists_get, s::stats, s::query_card, "fraud.tx.c1",
                     "fraud.rules.set.x", "fraud.rules", s::query_cases,
                     s::query_labels, s::query_performance, "fraud.labels.x",
                     s::model_get, s::model_history, "fraud.model.set.x"})
    EXPECT_FALSE(s::is_change(read)) << read;
}
