// encode_decision writes the bytes protobuf's own serializer gives the same
// fraud.v1.Decision (the message filled as the encoder did before it was
// hand-written), and decodes back to what was encoded.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "protocol/codec.hpp"
#include "protocol/fraud.pb.h"
#include "tests/protocol/sample_decision.hpp"

namespace {

using namespace fraud;

void fill(v1::Reason& w, const models::reason& r) {
  w.set_rule(r.rule);
  w.set_detail(r.detail);
  w.set_value(r.value);
  w.set_threshold(r.threshold);
  w.set_score(r.score);
}

/// What encode_decision did with a v1::Decision and SerializeToString.
std::string by_protobuf(const models::decision& d,
                        const protocol::decision_envelope& env) {
  v1::Decision msg;
  msg.set_tx_id(d.tx_id);
  msg.set_card_id(d.card_id);
  msg.set_action(static_cast<v1::Action>(static_cast<int>(d.action)));
  msg.set_score(d.score);
  for (auto& r : d.reasons)
    fill(*msg.add_reasons(), r);
  for (auto& r : d.shadow_reasons)
    fill(*msg.add_shadow_reasons(), r);
  msg.set_ruleset_version(d.ruleset_version);
  if (!d.model_version.empty()) {
    msg.set_model_version(d.model_version);
    msg.set_model_score(d.model_score);
  }
  msg.set_decided_at_ms(env.decided_at_ms);
  msg.set_service_latency_ns(env.service_latency_ns);
  msg.set_event_time_ms(d.event_time_ms);
  msg.set_amount_minor(d.amount_minor);
  msg.set_currency(d.currency);
  msg.set_merchant_id(d.merchant_id);
  msg.set_mcc(d.mcc);
  msg.set_country(d.country);
  msg.set_channel(static_cast<v1::Channel>(static_cast<int>(d.channel)));
  msg.set_duplicate(env.duplicate);
  if (env.error) {
    auto& e = *msg.mutable_error();
    v1::ErrorCode code;
    EXPECT_TRUE(v1::ErrorCode_Parse(protocol::wire_name(env.error.code()),
                                    &code));
    e.set_code(code);
    e.set_field(env.error.field());
    e.set_message(env.error.what());
  }
  std::string out;
  msg.SerializeToString(&out);
  return out;
}

std::string encoded(const models::decision& d,
                    const protocol::decision_envelope& env) {
  std::string out = "left over from the last decision";
  protocol::encode_decision(d, env, out);
  return out;
}

void expect_round_trip(const models::decision& d,
                       const protocol::decision_envelope& env,
                       const std::string& wire) {
  models::decision back;
  protocol::decision_envelope back_env;
  ASSERT_FALSE(protocol::decode_decision(wire.data(), wire.size(), back,
                                         back_env));
  EXPECT_EQ(back.tx_id, d.tx_id);
  EXPECT_EQ(back.card_id, d.card_id);
  EXPECT_EQ(back.action, d.action);
  EXPECT_EQ(back.score, d.score);
  ASSERT_EQ(back.reasons.size(), d.reasons.size());
  for (std::size_t i = 0; i < d.reasons.size(); ++i) {
    EXPECT_EQ(back.reasons[i].rule, d.reasons[i].rule);
    EXPECT_EQ(back.reasons[i].detail, d.reasons[i].detail);
    EXPECT_EQ(back.reasons[i].score, d.reasons[i].score);
  }
  EXPECT_EQ(back.shadow_reasons.size(), d.shadow_reasons.size());
  EXPECT_EQ(back.ruleset_version, d.ruleset_version);
  EXPECT_EQ(back.model_version, d.model_version);
  EXPECT_EQ(back.event_time_ms, d.event_time_ms);
  EXPECT_EQ(back.amount_minor, d.amount_minor);
  EXPECT_EQ(back.currency, d.currency);
  EXPECT_EQ(back.merchant_id, d.merchant_id);
  EXPECT_EQ(back.mcc, d.mcc);
  EXPECT_EQ(back.country, d.country);
  EXPECT_EQ(back.channel, d.channel);
  EXPECT_EQ(back_env.decided_at_ms, env.decided_at_ms);
  EXPECT_EQ(back_env.service_latency_ns, env.service_latency_ns);
  EXPECT_EQ(back_env.duplicate, env.duplicate);
}

models::decision typical() {
  return fraud::testing::sample_decision(models::action::decline);
}

TEST(decision_encoder, writes_what_protobuf_writes_for_a_typical_decision) {
  protocol::decision_envelope env;
  env.decided_at_ms = 1'700'000'000'123;
  env.service_latency_ns = 6'200;
  auto d = typical();
  auto wire = encoded(d, env);
  EXPECT_EQ(wire, by_protobuf(d, env));
  expect_round_trip(d, env, wire);
}

TEST(decision_encoder, leaves_out_what_proto3_leaves_out) {
  models::decision empty;
  EXPECT_EQ(encoded(empty, {}), by_protobuf(empty, {}));
  auto d = typical();
  d.model_version.clear();  // no model: its score is not written, 0 or not
  d.reasons.push_back({});  // an empty reason is still an element
  EXPECT_EQ(encoded(d, {}), by_protobuf(d, {}));
}

TEST(decision_encoder, edges_of_each_field_type) {
  auto d = typical();
  d.score = -1;  // int32: ten bytes, sign-extended
  d.reasons[0].score = std::numeric_limits<int>::min();
  d.reasons[0].value = -0.0;  // written: its bits are not zero
  d.reasons[0].threshold = std::numeric_limits<double>::quiet_NaN();
  d.reasons[1].value = std::numeric_limits<double>::infinity();
  d.model_score = 0;
  d.mcc = std::numeric_limits<std::uint32_t>::max();  // never sign-extended
  d.amount_minor = std::numeric_limits<std::int64_t>::min();
  d.event_time_ms = std::numeric_limits<std::int64_t>::max();
  d.merchant_id.assign(300, 'm');  // a two-byte length
  d.reasons[1].detail.assign(20'000, 'd');  // a three-byte length, nested
  protocol::decision_envelope env;
  env.duplicate = true;
  env.service_latency_ns = -5;
  EXPECT_EQ(encoded(d, env), by_protobuf(d, env));
}

TEST(decision_encoder, a_rejected_decision_carries_its_error) {
  protocol::decision_envelope env;
  env.decided_at_ms = 42;
  std::string wire;
  protocol::encode_rejected_decision(
      "tx-1", "card-1",
      error::in_field(ec::invalid_field, "amount_minor", "must be positive"),
      env, wire);
  models::decision d;
  d.tx_id = "tx-1";
  d.card_id = "card-1";
  d.action = models::action::decline;
  d.score = 100;
  auto with_error = env;
  with_error.error =
      error::in_field(ec::invalid_field, "amount_minor", "must be positive");
  EXPECT_EQ(wire, by_protobuf(d, with_error));
  models::decision back;
  protocol::decision_envelope back_env;
  ASSERT_FALSE(protocol::decode_decision(wire.data(), wire.size(), back,
                                         back_env));
  EXPECT_EQ(back_env.error.code(), ec::invalid_field);
  EXPECT_EQ(back_env.error.field(), "amount_minor");
  EXPECT_EQ(back_env.error.what(), "must be positive");
}

TEST(decision_encoder, random_decisions_match_protobuf_and_round_trip) {
  std::mt19937_64 rng(18);
  auto text = [&](std::size_t max) {
    std::string s(rng() % (max + 1), ' ');
    for (auto& c : s)
      c = static_cast<char>('a' + rng() % 26);
    return s;
  };
  auto number = [&]() -> std::int64_t {
    switch (rng() % 4) {
      case 0: return 0;
      case 1: return static_cast<std::int64_t>(rng() % 200);
      case 2: return -static_cast<std::int64_t>(rng() % 1'000'000);
      default: return static_cast<std::int64_t>(rng());
    }
  };
  auto real = [&] {
    return rng() % 3 == 0 ? 0.0
                          : std::ldexp(static_cast<double>(number()), -20);
  };
  auto reasons = [&] {
    std::vector<models::reason> rs(rng() % 4);
    for (auto& r : rs)
      r = {text(20), text(200), real(), real(),
           static_cast<int>(number() % 100)};
    return rs;
  };
  for (int i = 0; i < 2000; ++i) {
    models::decision d;
    d.tx_id = text(40);
    d.card_id = text(20);
    d.action = static_cast<models::action>(rng() % 3);
    d.score = static_cast<int>(rng() % 101);
    d.reasons = reasons();
    d.shadow_reasons = reasons();
    d.ruleset_version = text(8);
    d.model_version = rng() % 2 ? text(10) : "";
    d.model_score = real();
    d.event_time_ms = number();
    d.amount_minor = number();
    d.currency = text(3);
    d.merchant_id = text(12);
    d.mcc = static_cast<std::uint32_t>(rng());
    d.country = text(2);
    d.channel = static_cast<models::channel>(1 + rng() % 3);
    protocol::decision_envelope env;
    env.decided_at_ms = number();
    env.service_latency_ns = number();
    env.duplicate = rng() % 2;
    auto wire = encoded(d, env);
    ASSERT_EQ(wire, by_protobuf(d, env)) << "decision " << i;
    expect_round_trip(d, env, wire);
  }
}

} // namespace
