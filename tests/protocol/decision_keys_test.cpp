// The decision store's reading of an encoded decision's keys agrees with
// the full decode, and refuses what the full decode refuses.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "protocol/decision_keys.hpp"
#include "tests/protocol/sample_decision.hpp"

namespace {

using namespace fraud;

using fraud::testing::sample_decision;

TEST(decision_keys, agree_with_the_full_decode) {
  for (auto a : {models::action::approve, models::action::review,
                 models::action::decline}) {
    auto d = sample_decision(a);
    protocol::decision_envelope env;
    env.decided_at_ms = 1'700'000'000'123;
    env.service_latency_ns = 20'000;
    std::string wire;
    protocol::encode_decision(d, env, wire);
    protocol::decision_keys k;
    ASSERT_TRUE(protocol::read_decision_keys(wire.data(), wire.size(), k));
    EXPECT_EQ(k.tx_id, d.tx_id);
    EXPECT_EQ(k.card_id, d.card_id);
    EXPECT_EQ(k.action, a);
    EXPECT_EQ(k.decided_at_ms, env.decided_at_ms);
    EXPECT_EQ(k.model_version, d.model_version);
    EXPECT_EQ(k.rules, (std::vector<std::string_view>{"impossible_travel",
                                                      "velocity_spike"}));
    EXPECT_EQ(k.shadow_rules, (std::vector<std::string_view>{"new_rule"}));
  }
}

TEST(decision_keys, an_empty_decision_has_empty_keys) {
  models::decision d;
  std::string wire;
  protocol::encode_decision(d, {}, wire);
  protocol::decision_keys k;
  k.rules.push_back("left over");
  ASSERT_TRUE(protocol::read_decision_keys(wire.data(), wire.size(), k));
  EXPECT_TRUE(k.tx_id.empty());
  EXPECT_NE(k.model_version.data(), nullptr);  // "" to SQLite, not NULL
  EXPECT_TRUE(k.rules.empty());
  EXPECT_EQ(k.action, models::action::approve);
}

TEST(decision_keys, refuses_what_the_full_decode_refuses) {
  auto d = sample_decision(models::action::decline);
  std::string wire;
  protocol::encode_decision(d, {}, wire);
  protocol::decision_keys k;
  models::decision full;
  protocol::decision_envelope env;
  // Cut anywhere inside a field: neither reads it.
  for (std::size_t n : {std::size_t{1}, std::size_t{5}, wire.size() - 1}) {
    EXPECT_FALSE(protocol::read_decision_keys(wire.data(), n, k)) << n;
    EXPECT_FALSE(protocol::decode_decision(wire.data(), n, full, env).ok())
      << n;
  }
  // An action no one knows (field 3, varint 7).
  std::string unknown_action = wire + std::string{"\x18\x07", 2};
  EXPECT_FALSE(protocol::read_decision_keys(unknown_action.data(),
                                            unknown_action.size(), k));
  EXPECT_FALSE(protocol::decode_decision(unknown_action.data(),
                                         unknown_action.size(), full, env)
                 .ok());
  // A field number 0 is not protobuf.
  std::string zero{"\x00\x01", 2};
  EXPECT_FALSE(protocol::read_decision_keys(zero.data(), zero.size(), k));
}

} // namespace
