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
