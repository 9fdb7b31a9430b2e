// Conversion between the wire (fraud.v1 protobuf) and models types. The
// only code that includes *.pb.h. Nothing here throws: a failure is a
// returned wire_error.
//
// Thread-safe: scratch protobuf messages are thread-local.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "models/decision.hpp"
#include "models/transaction.hpp"

namespace fraud::protocol {

enum class error_code {
  malformed = 1,
  invalid_field = 2,
  subject_mismatch = 3,
  overloaded = 4,
  shutting_down = 5,
  not_found = 6,
  bad_request = 7,
};

/// Upper-case name of the code as on the wire, e.g. "INVALID_FIELD".
const char* to_string(error_code c);

struct wire_error {
  error_code code = error_code::malformed;
  std::string field;
  std::string message;
};

/// Parses and validates a fraud.v1.Transaction into `out`. On error `out`
/// holds whatever could be read (tx_id and card_id, for the rejection).
std::optional<wire_error> decode_transaction(const void* data,
                                             std::size_t size,
                                             models::transaction& out);

/// Encodes a transaction (clients: fraudctl, the simulator, tests).
void encode_transaction(const models::transaction& tx, std::string& out);

/// The extra fields a decision carries on the wire.
struct decision_envelope {
  std::int64_t decided_at_ms = 0;
  std::int64_t service_latency_ns = 0;
  std::optional<wire_error> error;
  bool duplicate = false;  // a re-sent tx_id answered with the first decision
};

/// Encodes a decision into `out` (cleared first).
void encode_decision(const models::decision& d, const decision_envelope& env,
                     std::string& out);

/// Encodes the reply to input that was rejected: action DECLINE, score 100,
/// the error set.
void encode_rejected_decision(const std::string& tx_id,
                              const std::string& card_id,
                              const wire_error& error,
                              const decision_envelope& env, std::string& out);

/// Encodes a fraud.v1.Rejection for fraud.rejected.
void encode_rejection(const std::string& subject, const std::string& tx_id,
                      const std::string& card_id, const wire_error& error,
                      std::int64_t rejected_at_ms, std::string& out);

/// Parses a fraud.v1.Decision (clients). Returns false when malformed.
bool decode_decision(const void* data, std::size_t size,
                     models::decision& out, decision_envelope& env);

/// A rejection as read back by clients.
struct rejection {
  std::string subject;
  std::string tx_id;
  std::string card_id;
  wire_error error;
  std::int64_t rejected_at_ms = 0;
};

bool decode_rejection(const void* data, std::size_t size, rejection& out);

} // namespace fraud::protocol
