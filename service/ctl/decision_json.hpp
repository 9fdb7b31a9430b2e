// How people and scripts see a decision: a JSON object with the wire
// contract's field names, and a small table; and, as JSON, its review case
// and its outcome labels (fraudctl cases/labels --json, the dashboard).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/decision.hpp"
#include "protocol/codec.hpp"
#include "protocol/outcome_codec.hpp"

namespace fraud::service {

nlohmann::json to_json(const models::decision& d,
                       const protocol::decision_envelope& env);

std::string to_table(const models::decision& d,
                     const protocol::decision_envelope& env);

nlohmann::json to_json(const protocol::review_case& k);

/// A label as stored: with who sent it, and its decision's action and
/// rules when the store holds the decision.
nlohmann::json to_json(const protocol::stored_label& l);

} // namespace fraud::service
