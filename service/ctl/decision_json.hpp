// How people and scripts see a decision: a JSON object with the wire
// contract's field names, and a small table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/decision.hpp"
#include "protocol/codec.hpp"

namespace fraud::service {

nlohmann::json to_json(const models::decision& d,
                       const protocol::decision_envelope& env);

std::string to_table(const models::decision& d,
                     const protocol::decision_envelope& env);

} // namespace fraud::service
