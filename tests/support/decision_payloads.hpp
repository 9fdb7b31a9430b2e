// Encoded decisions as the store receives them, for tests of the decision
// store: a card's decision with the given action, time and fired rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/codec.hpp"

namespace fraud::test {

inline std::string encoded(const std::string& tx_id, const std::string& card,
                           models::action a, std::int64_t decided_at,
                           std::vector<std::string> rules = {}) {
  models::decision d;
  d.tx_id = tx_id;
  d.card_id = card;
  d.action = a;
  d.score = a == models::action::approve ? 0 : 80;
  for (auto& r : rules)
    d.reasons.push_back(models::reason{r, "because", 1, 2, 40});
  d.ruleset_version = "test-1";
  d.event_time_ms = decided_at - 5;
  d.amount_minor = 1234;
  d.currency = "EUR";
  d.merchant_id = "m-7";
  d.mcc = 5999;
  d.country = "DE";
  d.channel = models::channel::ecom;
  protocol::decision_envelope env;
  env.decided_at_ms = decided_at;
  env.service_latency_ns = 12345;
  std::string out;
  protocol::encode_decision(d, env, out);
  return out;
}

inline models::decision decoded(const std::string& payload) {
  models::decision d;
  protocol::decision_envelope env;
  EXPECT_TRUE(
    protocol::decode_decision(payload.data(), payload.size(), d, env).ok());
  return d;
}

} // namespace fraud::test
