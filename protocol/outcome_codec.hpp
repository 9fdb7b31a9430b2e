// The outcome side of the wire contract (fraud.labels, fraud.cases.resolve,
// fraud.query.cases, .labels and .performance) as plain C++ values, for
// the service that answers and the clients that ask (README: Review queue
// and outcomes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/decision.hpp"
#include "models/error.hpp"
#include "protocol/query_codec.hpp"

namespace fraud::protocol {

enum class outcome : std::uint8_t { unspecified = 0, fraud = 1, legit = 2 };
enum class case_state : std::uint8_t { open = 0, fraud = 1, legit = 2 };

/// "fraud", "legit" (and "" for unspecified); "open", "fraud", "legit".
const char* to_string(outcome o);
const char* to_string(case_state s);
/// "fraud" or "legit" (also "legitimate"); false otherwise.
bool parse_outcome(std::string_view text, outcome& out);

/// Labels one fraud.labels request may carry: 5,000 labels of at most
/// ~1.2 KB each stay within NATS's default max_payload with room to spare
/// for the usual ones (about 60 bytes), and are one SQLite transaction of
/// a few ms here.
inline constexpr std::size_t max_labels_per_request = 5'000;
/// A label's or a resolution's note: a sentence or a ticket.
inline constexpr std::size_t max_note_bytes = 1000;
/// How far a label's at_ms may be ahead of fraudd's clock.
inline constexpr std::int64_t max_label_skew_ms = 5 * 60 * 1000;
/// The source that only fraud.cases.resolve sets.
inline constexpr const char* case_source = "case";

struct label {
  std::string tx_id;
  outcome result = outcome::unspecified;
  std::string source;
  std::int64_t at_ms = 0;
  std::string note;
};

/// A valid source: [a-z0-9_]{1,32}.
bool valid_source(std::string_view s);

// ---- requests ------------------------------------------------------------

struct labels_add {
  std::vector<label> labels;
};

struct cases_query {
  bool open_only = false;
  std::string rule;
  std::uint32_t limit = 50;
  std::string cursor;
};

struct case_resolve {
  std::string tx_id;
  outcome result = outcome::unspecified;
  std::string note;
};

struct labels_query {
  std::string tx_id;
  bool unknown_only = false;
  std::int64_t since_ms = 0;
  std::uint32_t limit = 50;
  std::string cursor;
};

struct performance_query {
  std::int64_t since_ms = 0;
};

/// Each decoder checks the request: a bad one is BAD_REQUEST naming the
/// field (labels[i].<field> for a label), LIMIT_EXCEEDED past a limit.
/// A label's at_ms of 0 becomes `now_ms`; one ahead of it by more than
/// max_label_skew_ms, or of source "case", is refused.
fraud::error decode(const void* data, std::size_t size, labels_add& out,
                    std::int64_t now_ms);
fraud::error decode(const void* data, std::size_t size, cases_query& out);
fraud::error decode(const void* data, std::size_t size, case_resolve& out);
fraud::error decode(const void* data, std::size_t size, labels_query& out);
fraud::error decode(const void* data, std::size_t size,
                    performance_query& out);

void encode(const labels_add& q, std::string& out);
void encode(const cases_query& q, std::string& out);
void encode(const case_resolve& q, std::string& out);
void encode(const labels_query& q, std::string& out);
void encode(const performance_query& q, std::string& out);

// ---- replies -------------------------------------------------------------

struct labels_add_reply {
  std::uint64_t added = 0, changed = 0, unchanged = 0;
  std::uint64_t decided = 0, unknown = 0;
  fraud::error error;
  reply_origin origin;
};

struct review_case {
  std::string tx_id;
  std::string card_id;
  case_state state = case_state::open;
  std::int32_t score = 0;
  std::vector<std::string> rules;
  std::int64_t amount_minor = 0;
  std::string currency;
  std::string merchant_id;
  std::int64_t opened_at_ms = 0;
  std::string resolved_by;
  std::int64_t resolved_at_ms = 0;
  std::string note;
};

struct cases_reply {
  std::vector<review_case> cases;
  std::string next_cursor;
  std::uint64_t open = 0;
  fraud::error error;
  reply_origin origin;
};

struct case_resolve_reply {
  review_case resolved;  // as it is now (empty with an error)
  fraud::error error;
  reply_origin origin;
};

struct stored_label {
  label value;
  std::string signer;
  std::int64_t received_at_ms = 0;
  bool decided = false;
  models::action action = models::action::approve;
  std::vector<std::string> rules;
};

struct labels_reply {
  std::vector<stored_label> labels;
  std::string next_cursor;
  std::uint64_t labelled = 0, unknown = 0;
  fraud::error error;
  reply_origin origin;
};

struct rule_performance {
  std::string rule;
  bool shadow = false;
  std::uint64_t fired = 0, fraud = 0, legit = 0, missed = 0;
  double precision = 0;
};

struct performance_reply {
  std::vector<rule_performance> rules;
  std::uint64_t decisions = 0, fraud = 0, legit = 0;
  std::uint64_t labelled = 0, labelled_decided = 0;
  fraud::error error;
  reply_origin origin;
};

/// Each rule's missed (of `fraud`, the labelled fraud in the window) and
/// precision from its counts; most fired first (live before shadow on a
/// tie, as given), at most max_shadow_rules_listed: the least fired go.
void complete_rule_figures(std::vector<rule_performance>& rules,
                           std::uint64_t fraud);

void encode(const labels_add_reply& r, std::string& out);
void encode(const cases_reply& r, std::string& out);
void encode(const case_resolve_reply& r, std::string& out);
void encode(const labels_reply& r, std::string& out);
void encode(const performance_reply& r, std::string& out);

/// Client-side decoders; MALFORMED when the bytes are not that message.
fraud::error decode(const void* data, std::size_t size, labels_add_reply& out);
fraud::error decode(const void* data, std::size_t size, cases_reply& out);
fraud::error decode(const void* data, std::size_t size,
                    case_resolve_reply& out);
fraud::error decode(const void* data, std::size_t size, labels_reply& out);
fraud::error decode(const void* data, std::size_t size,
                    performance_reply& out);

// ---- cursors -------------------------------------------------------------
// Cases and labels are paged by a key every instance shares (time, then
// the ids), not by a store's row ids, so one cursor goes to every instance
// of a cluster and the merged page goes on from it: "<ms>/<key>/<tx_id>".

struct outcome_cursor {
  std::int64_t ms = 0;
  std::string key;    // a label's source; "" for a case
  std::string tx_id;
};

/// "" for the first page; BAD_REQUEST "cursor" when it is not one.
fraud::error parse_outcome_cursor(const std::string& text,
                                  outcome_cursor& out, bool& present);
std::string format_outcome_cursor(const outcome_cursor& c);

} // namespace fraud::protocol
