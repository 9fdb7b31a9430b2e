// The rules and lists messages: round trips, the checks on requests, and
// shadow reasons carried by decisions.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "protocol/rules_codec.hpp"

namespace fraud::protocol {
namespace {

template <class Request>
fraud::error round_trip(const Request& in, Request& out) {
  std::string bytes;
  encode(in, bytes);
  return decode(bytes.data(), bytes.size(), out);
}

TEST(rules_codec, a_decision_carries_its_shadow_reasons) {
  models::decision d;
  d.tx_id = "t1";
  d.card_id = "c1";
  d.reasons.push_back({"big", "amount > 1000", 2000, 1000, 0});
  d.shadow_reasons.push_back({"watch", "channel == ECOM", 0, 0, 5});
  std::string bytes;
  encode_decision(d, decision_envelope{}, bytes);
  models::decision out;
  decision_envelope env;
  ASSERT_TRUE(decode_decision(bytes.data(), bytes.size(), out, env).ok());
  ASSERT_EQ(out.reasons.size(), 1u);
  ASSERT_EQ(out.shadow_reasons.size(), 1u);
  EXPECT_EQ(out.shadow_reasons[0].rule, "watch");
  EXPECT_EQ(out.shadow_reasons[0].detail, "channel == ECOM");
  EXPECT_EQ(out.shadow_reasons[0].score, 5);
}

TEST(rules_codec, a_rule_change_says_who_and_why) {
  rules_set_request out;
  EXPECT_FALSE(round_trip(rules_set_request{"rule a: review when true",
                                            "alice", "test", false},
                          out));
  EXPECT_EQ(out.text, "rule a: review when true");
  EXPECT_EQ(round_trip(rules_set_request{"x", "", "why", false}, out).field(),
            "author");
  EXPECT_EQ(round_trip(rules_set_request{"x", "a", "", false}, out).field(),
            "reason");
  EXPECT_FALSE(round_trip(rules_set_request{"x", "", "", true}, out))
    << "a dry run changes nothing and needs no signature";
  rules_rollback_request back;
  EXPECT_EQ(round_trip(rules_rollback_request{0, "a", "b"}, back).field(),
            "version");
  auto bad = decode("\xff\xff", 2, out);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad.code(), fraud::ec::bad_request);
}

TEST(rules_codec, list_changes_are_checked) {
  list_change out;
  EXPECT_FALSE(round_trip(list_change{"blocked_cards", {"c1", "c2"}, "a",
                                      "b"},
                          out));
  EXPECT_EQ(out.values.size(), 2u);
  EXPECT_EQ(round_trip(list_change{"Blocked", {"c1"}, "a", "b"}, out).field(),
            "list");
  EXPECT_EQ(round_trip(list_change{"ok", {}, "a", "b"}, out).field(),
            "values");
  EXPECT_EQ(round_trip(list_change{"ok", {"has space"}, "a", "b"}, out).field(),
            "values");
  lists_query q;
  EXPECT_FALSE(round_trip(lists_query{""}, q));
  EXPECT_TRUE(round_trip(lists_query{"no-dashes"}, q));
}

TEST(rules_codec, a_refused_list_value_is_quoted_in_readable_text) {
  // Found by the hostile-input test: the error quotes a too-long value cut
  // at 140 bytes, which split a two-byte character, and the reply was not
  // UTF-8 any more, so no client could read it.
  std::string value = "a";
  for (int i = 0; i < 70; ++i)
    value += "\xc3\xa9";  // é
  list_change in{"blocked_cards", {value}, "a", "b"};
  list_change out;
  list_change_reply r;
  r.error = round_trip(in, out);
  ASSERT_EQ(r.error.field(), "values");
  std::string bytes;
  encode(r, bytes);
  list_change_reply back;
  ASSERT_TRUE(decode(bytes.data(), bytes.size(), back).ok());
  EXPECT_EQ(back.error.code(), fraud::ec::limit_exceeded);
  EXPECT_EQ(back.error.field(), "values");
}

TEST(rules_codec, rule_errors_quoting_bytes_that_are_not_utf8_still_decode) {
  rules_change_reply r;
  r.errors.push_back({1, 3, "found 'x\xc3'"});
  std::string bytes;
  encode(r, bytes);
  rules_change_reply out;
  ASSERT_TRUE(decode(bytes.data(), bytes.size(), out).ok());
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].message, "found 'x\\xc3'");
}

TEST(rules_codec, replies_round_trip_with_errors_at_their_positions) {
  rules_change_reply r;
  r.version = rules_version{3, "rules-3", "alice", "why", 1234, 7, true,
                            "alice (UABC)"};
  r.errors.push_back({2, 14, "expected a value"});
  r.warnings.push_back({0, 0, "list 'x' has no entries"});
  std::string bytes;
  encode(r, bytes);
  rules_change_reply out;
  ASSERT_TRUE(decode(bytes.data(), bytes.size(), out).ok());
  ASSERT_TRUE(out.version);
  EXPECT_EQ(out.version->name, "rules-3");
  EXPECT_TRUE(out.version->running);
  EXPECT_EQ(out.version->signer, "alice (UABC)");
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].line, 2);
  EXPECT_EQ(out.errors[0].column, 14);
  EXPECT_EQ(out.warnings.size(), 1u);
  EXPECT_FALSE(out.error);
}

} // namespace
} // namespace fraud::protocol
