// The outcome of scoring one transaction. Pure values; the service adds the
// wall-clock and latency fields when it encodes the decision for the wire.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/transaction.hpp"

namespace fraud::models {

enum class action : std::uint8_t { approve = 0, review = 1, decline = 2 };

/// Lower case: "approve", "review", "decline" (the subject token).
const char* to_string(action a);

struct reason {
  std::string rule;
  std::string detail;  // for a person: what was seen, against what limit
  double value = 0;
  double threshold = 0;
  int score = 0;  // what the rule added; 0 for a hard action
};

struct decision {
  std::string tx_id;
  std::string card_id;
  models::action action = action::approve;
  int score = 0;  // 0..100
  std::vector<reason> reasons;
  std::vector<reason> shadow_reasons;  // shadow rules: recorded, not acted on
  std::string ruleset_version;
  std::string model_version;  // "model-3"; "" when no model ran
  double model_score = 0;     // what that model gave the rules; 0 without
  std::int64_t event_time_ms = 0;
  // the transaction's key fields, kept with the decision
  std::int64_t amount_minor = 0;
  std::string currency;
  std::string merchant_id;
  std::uint32_t mcc = 0;
  std::string country;
  models::channel channel = channel::pos;
};

} // namespace fraud::models
