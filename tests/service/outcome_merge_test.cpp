// Merging the outcome answers of several instances: labels every instance
// stored, cases each on its own instance, performance counted once.
#include <gtest/gtest.h>

#include "service/client/outcome_merge.hpp"

namespace {

using namespace fraud;
using namespace fraud::protocol;

reply_origin from(const char* name) { return {name, 2}; }

review_case kase(const char* tx, std::int64_t at) {
  review_case c;
  c.tx_id = tx;
  c.opened_at_ms = at;
  return c;
}

stored_label lab(const char* tx, std::int64_t at, bool decided) {
  stored_label l;
  l.value = label{tx, outcome::fraud, "chargeback", at, ""};
  l.decided = decided;
  return l;
}

TEST(outcome_merge, labels_sent_to_two_instances_are_counted_once) {
  labels_add_reply a, b;
  a.added = b.added = 3;
  a.decided = 2;
  a.unknown = 1;
  b.decided = 0;
  b.unknown = 3;
  a.origin = from("a");
  b.origin = from("b");
  auto m = service::merge_labels_add({a, b}, 3);
  EXPECT_EQ(m.added, 3u);
  EXPECT_EQ(m.decided, 2u);
  EXPECT_EQ(m.unknown, 1u);
  EXPECT_EQ(m.origin.instances, 2u);
}

TEST(outcome_merge, a_resolution_is_the_answer_of_the_instance_with_the_case) {
  case_resolve_reply a, b;
  a.error = fraud::error::in_field(ec::not_found, "tx_id", "no case");
  b.resolved = kase("t1", 5);
  b.resolved.state = case_state::fraud;
  auto m = service::merge_resolve({a, b});
  EXPECT_FALSE(m.error);
  EXPECT_EQ(m.resolved.state, case_state::fraud);
  auto none = service::merge_resolve({a, a});
  EXPECT_EQ(none.error.code(), ec::not_found);
  case_resolve_reply broken;
  broken.error = fraud::error{ec::internal, "disk full"};
  broken.origin = from("c");
  auto failed = service::merge_resolve({b, broken});
  EXPECT_EQ(failed.error.code(), ec::internal);
  EXPECT_NE(failed.error.what().find("instance c"), std::string::npos);
}

TEST(outcome_merge, cases_newest_first_and_never_past_an_unseen_row) {
  cases_reply a, b;
  a.cases = {kase("a3", 30), kase("a2", 20)};
  a.next_cursor = "20//a2";  // a has older ones, unseen
  a.open = 5;
  b.cases = {kase("b4", 40), kase("b1", 10)};
  b.open = 2;
  auto m = service::merge_cases({a, b}, 10);
  std::vector<std::string> ids;
  for (auto& c : m.cases)
    ids.push_back(c.tx_id);
  // b1 (10) waits: a's rows between 20 and 10 are not seen yet.
  EXPECT_EQ(ids, (std::vector<std::string>{"b4", "a3", "a2"}));
  EXPECT_EQ(m.next_cursor, "20//a2");
  EXPECT_EQ(m.open, 7u);
  auto two = service::merge_cases({a, b}, 2);
  EXPECT_EQ(two.cases.size(), 2u);
  EXPECT_EQ(two.next_cursor, "30//a3");
}

TEST(outcome_merge, a_label_shows_once_and_unknown_only_where_nobody_decided) {
  labels_reply a, b;
  a.labels = {lab("x", 30, true), lab("ghost", 20, false)};
  b.labels = {lab("x", 30, false), lab("ghost", 20, false)};
  a.labelled = b.labelled = 2;
  a.unknown = 1;  // x decided on a
  b.unknown = 2;
  auto m = service::merge_labels({a, b}, 10, false);
  ASSERT_EQ(m.labels.size(), 2u);
  EXPECT_EQ(m.labels[0].value.tx_id, "x");
  EXPECT_TRUE(m.labels[0].decided);
  EXPECT_EQ(m.labelled, 2u);
  EXPECT_EQ(m.unknown, 1u);
  // Asked for unknown ones: a leaves x out (it decided it), b lists it.
  a.labels = {lab("ghost", 20, false)};
  auto u = service::merge_labels({a, b}, 10, true);
  ASSERT_EQ(u.labels.size(), 1u);
  EXPECT_EQ(u.labels[0].value.tx_id, "ghost");
  // Sent without a time, each instance stamped it with its own clock.
  b.labels = {lab("ghost", 22, false)};
  u = service::merge_labels({a, b}, 10, true);
  ASSERT_EQ(u.labels.size(), 1u);
  EXPECT_EQ(u.labels[0].value.at_ms, 20);
}

TEST(outcome_merge, performance_is_summed_and_its_ratios_computed_again) {
  performance_reply a, b;
  a.rules = {{"big", false, 3, 1, 1, 0, 0.5}, {"watch", true, 1, 1, 0, 0, 1}};
  a.decisions = 10;
  a.fraud = 2;
  a.legit = 1;
  a.labelled = 4;
  a.labelled_decided = 3;
  b.rules = {{"big", false, 2, 2, 0, 0, 1}};
  b.decisions = 5;
  b.fraud = 3;
  b.labelled = 4;
  b.labelled_decided = 0;
  auto m = service::merge_performance({a, b});
  EXPECT_EQ(m.decisions, 15u);
  EXPECT_EQ(m.fraud, 5u);
  EXPECT_EQ(m.labelled, 4u);
  EXPECT_EQ(m.labelled_decided, 3u);
  ASSERT_EQ(m.rules.size(), 2u);
  auto& big = m.rules[0];
  EXPECT_EQ(big.rule, "big");
  EXPECT_EQ(big.fired, 5u);
  EXPECT_EQ(big.fraud, 3u);
  EXPECT_EQ(big.missed, 2u);
  EXPECT_DOUBLE_EQ(big.precision, 0.75);
  EXPECT_EQ(m.rules[1].missed, 4u);
}

} // namespace
