// A decision with every field of fraud.v1.Decision set, for the codec
// tests: two fired rules, a shadow rule, a model, a non-ASCII tx_id.
#pragma once

#include "models/decision.hpp"

namespace fraud::testing {

inline models::decision sample_decision(models::action a) {
  models::decision d;
  d.tx_id = "tx-\xc3\xa9-42";
  d.card_id = "card-7";
  d.action = a;
  d.score = 85;
  d.reasons.push_back(models::reason{"impossible_travel", "900 km in 1 h",
                                     900, 500, 60});
  d.reasons.push_back(models::reason{"velocity_spike", "", 12, 10, 25});
  d.shadow_reasons.push_back(models::reason{"new_rule", "x", 1, 0, 0});
  d.ruleset_version = "v9";
  d.model_version = "model-3";
  d.model_score = 0.25;
  d.event_time_ms = 1'700'000'000'000;
  d.amount_minor = 123456;
  d.currency = "EUR";
  d.merchant_id = "m-1";
  d.mcc = 5999;
  d.country = "DE";
  d.channel = models::channel::ecom;
  return d;
}

} // namespace fraud::testing
