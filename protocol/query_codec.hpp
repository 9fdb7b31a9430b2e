// The query side of the wire contract (fraud.query.*, fraud.stats) as
// plain C++ values, for the service that answers and the clients that ask.
// Decisions travel inside replies already encoded: the store keeps them
// that way, so they are embedded, not rebuilt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/card_state.hpp"
#include "models/decision.hpp"
#include "protocol/codec.hpp"
#include "protocol/request_limits.hpp"

namespace fraud::protocol {

// ---- requests ----------------------------------------------------------

struct decision_query {
  std::string tx_id;
};

struct card_query {
  std::string card_id;
  std::uint32_t limit = 20;
};

struct decisions_query {
  std::optional<models::action> action;
  std::string card_id;
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
  std::string rule;
  std::uint32_t limit = 50;
  std::string cursor;
};

/// fraud.stats asks for everything there is: its request is empty.
struct stats_query {};

/// Each decoder checks the request: a bad one is BAD_REQUEST with the field.
fraud::error decode(const void* data, std::size_t size,
                                 decision_query& out);
fraud::error decode(const void* data, std::size_t size,
                                 card_query& out);
fraud::error decode(const void* data, std::size_t size,
                                 decisions_query& out);

void encode(const decision_query& q, std::string& out);
void encode(const card_query& q, std::string& out);
void encode(const decisions_query& q, std::string& out);
void encode(const stats_query& q, std::string& out);

// ---- replies -----------------------------------------------------------

/// Who answered: every reply of fraud.query.* and fraud.stats says it.
struct reply_origin {
  std::string instance;         // the answering instance's name
  std::uint32_t instances = 0;  // live instances it knows of; 0/1: alone
};

/// A decoded decision as clients read it.
struct decision_view {
  models::decision decision;
  decision_envelope env;
};

struct decision_reply {
  std::optional<decision_view> decision;
  fraud::error error;
  reply_origin origin;
};

struct card_reply {
  std::string card_id;
  bool active = false;
  models::card_summary card;
  std::vector<decision_view> decisions;
  std::string next_cursor;  // older decisions: a decisions_query's cursor
  fraud::error error;
  reply_origin origin;
  std::vector<std::string> cursors;  // cursors[i]: a page from decisions[i]
};

struct decisions_reply {
  std::vector<decision_view> decisions;
  std::string next_cursor;
  fraud::error error;
  reply_origin origin;
  std::vector<std::string> cursors;  // cursors[i]: a page from decisions[i]
};

struct latency_summary {
  std::uint64_t count = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

struct stats_reply {
  std::int64_t uptime_ms = 0;
  std::uint64_t received = 0, approved = 0, reviewed = 0, declined = 0;
  std::uint64_t rejected = 0, rejected_malformed = 0, rejected_invalid = 0;
  std::uint64_t rejected_subject = 0, rejected_shutdown = 0;
  std::uint64_t duplicates = 0, active_cards = 0, cards_activated = 0;
  latency_summary latency_last_minute, latency_since_start;
  std::uint64_t store_backlog = 0, store_written = 0, store_dropped = 0;
  std::uint64_t store_errors = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rule_hits;
  std::string ruleset_version;
  std::uint64_t nats_dropped = 0, publish_errors = 0;
  std::uint64_t passivations = 0, restored = 0, snapshot_backlog = 0;
  std::uint64_t snapshots_written = 0, snapshot_errors = 0;
  std::uint64_t snapshot_corrupt = 0, snapshot_dropped = 0;
  std::uint64_t ingress_pending = 0, ingress_pending_bytes = 0;
  std::uint64_t ingress_pending_max = 0;
  double queue_delay_ms = 0, queue_delay_max_ms = 0;
  std::uint64_t slow_consumer_events = 0;
  std::uint64_t resend_reads = 0, resend_refused = 0;
  std::uint64_t requests_limited = 0;
  std::uint64_t rejected_overloaded = 0;
  std::uint64_t store_backlog_bytes = 0, snapshot_backlog_bytes = 0;
  std::uint64_t entities_active = 0, entities_activated = 0;
  std::uint64_t entity_passivations = 0, entity_misses = 0;
  std::uint64_t entity_observations_sent = 0, entity_observations_dropped = 0;
  std::uint64_t entity_observations_received = 0;
  std::uint64_t entity_observations_refused = 0;
  std::uint64_t cases_opened = 0, cases_resolved = 0;
  std::uint64_t labels_added = 0, labels_unchanged = 0, labels_refused = 0;
  std::string model_version;  // "" when no model runs
  std::uint64_t models_refused = 0;
  reply_origin origin;
};

/// Encoded decisions, newest first, with the cursor of a page that starts
/// at each (`cursors` is empty or as long as `decisions`).
struct encoded_page {
  std::vector<std::string> decisions;  // encoded fraud.v1.Decision
  std::vector<std::string> cursors;
  std::string next_cursor;
};

/// `decision` is an encoded fraud.v1.Decision, or "" with an error.
void encode_decision_reply(const std::string& decision,
                           const fraud::error& error,
                           const reply_origin& origin, std::string& out);
void encode_card_reply(const std::string& card_id, bool active,
                       const models::card_summary& card,
                       const encoded_page& page, const fraud::error& error,
                       const reply_origin& origin, std::string& out);
void encode_decisions_reply(const encoded_page& page,
                            const fraud::error& error,
                            const reply_origin& origin, std::string& out);
void encode(const stats_reply& s, std::string& out);

/// Client-side decoders; MALFORMED when the bytes are not that message.
fraud::error decode(const void* data, std::size_t size, decision_reply& out);
fraud::error decode(const void* data, std::size_t size, card_reply& out);
fraud::error decode(const void* data, std::size_t size, decisions_reply& out);
fraud::error decode(const void* data, std::size_t size, stats_reply& out);
/// Who answered, from any of the replies above.
fraud::error decode(const void* data, std::size_t size, reply_origin& out);

} // namespace fraud::protocol
