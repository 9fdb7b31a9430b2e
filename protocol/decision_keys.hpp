// What the decision store indexes of an encoded fraud.v1.Decision, read
// straight from the wire format without building the message: the store
// decoded every decision in full, and the decode was a fifth of its
// writer's CPU (BENCHMARKS.md, "The decision store's writer CPU").
// Views point into the encoded bytes, which must outlive them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "models/decision.hpp"

namespace fraud::protocol {

// An absent string field is "" with a non-null data() (SQLite binds a
// null pointer as NULL, not as empty text).
struct decision_keys {
  std::string_view tx_id = "";
  std::string_view card_id = "";
  std::string_view model_version = "";
  models::action action = models::action::approve;
  std::int64_t decided_at_ms = 0;
  std::vector<std::string_view> rules;         // reasons' rule names, in order
  std::vector<std::string_view> shadow_rules;  // shadow reasons' rule names
};

/// Reads the keys of an encoded fraud.v1.Decision; false when the bytes
/// are not well-formed protobuf wire format or the action is not one we
/// know (decode_decision refuses those too). It does not check the UTF-8
/// of the fields it skips: the store reads only what encode_decision wrote.
bool read_decision_keys(const void* data, std::size_t size,
                        decision_keys& out);

} // namespace fraud::protocol
