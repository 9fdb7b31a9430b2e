// Conversion between the wire (fraud.v1 protobuf) and models types. The
// only code that includes *.pb.h. Nothing here throws: a failure is a
// returned fraud::error (models/error.hpp).
//
// Thread-safe: scratch protobuf messages are thread-local.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "models/decision.hpp"
#include "models/error.hpp"
#include "models/transaction.hpp"

namespace fraud::protocol {

/// The wire's name of the code, e.g. "INVALID_FIELD"; the service's own
/// failures are all "INTERNAL".
const char* wire_name(ec c);

/// Where libprotobuf's own log lines go: it writes one per string field
/// that is not UTF-8, say, so hostile input can make thousands. To
/// `handler` (which should rate-limit), or nowhere when null.
using protobuf_log_handler = void (*)(const std::string& message);
void set_protobuf_log_handler(protobuf_log_handler handler);

/// Parses and validates a fraud.v1.Transaction into `out`. On error `out`
/// holds whatever could be read (tx_id and card_id, for the rejection).
fraud::error decode_transaction(const void* data,
                                             std::size_t size,
                                             models::transaction& out);

/// Encodes a transaction (clients: fraudctl, the simulator, tests).
void encode_transaction(const models::transaction& tx, std::string& out);

/// The extra fields a decision carries on the wire.
struct decision_envelope {
  std::int64_t decided_at_ms = 0;
  std::int64_t service_latency_ns = 0;
  fraud::error error;
  bool duplicate = false;  // a re-sent tx_id answered with the first decision
};

/// Encodes a decision into `out` (cleared first).
void encode_decision(const models::decision& d, const decision_envelope& env,
                     std::string& out);

/// Encodes the reply to input that was rejected: action DECLINE, score 100,
/// the error set.
void encode_rejected_decision(const std::string& tx_id,
                              const std::string& card_id,
                              const fraud::error& error,
                              const decision_envelope& env, std::string& out);

/// Encodes a fraud.v1.Rejection for fraud.rejected.
void encode_rejection(const std::string& subject, const std::string& tx_id,
                      const std::string& card_id, const fraud::error& error,
                      std::int64_t rejected_at_ms, std::string& out);

/// Parses a fraud.v1.Decision (clients); MALFORMED when it is not one.
fraud::error decode_decision(const void* data, std::size_t size,
                     models::decision& out, decision_envelope& env);

/// A rejection as read back by clients.
struct rejection {
  std::string subject;
  std::string tx_id;
  std::string card_id;
  fraud::error error;
  std::int64_t rejected_at_ms = 0;
};

fraud::error decode_rejection(const void* data, std::size_t size, rejection& out);

} // namespace fraud::protocol
