// The rules and lists side of the wire contract (fraud.rules.*,
// fraud.lists.*) as plain C++ values, for the service that answers and the
// clients that ask. Request decoders check what they read: a bad request
// is BAD_REQUEST naming the field.
//
// Thread-safe; nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/rules/rule_diagnostic.hpp"
#include "protocol/codec.hpp"
#include "protocol/query_codec.hpp"

namespace fraud::protocol {

// ---- rules ---------------------------------------------------------------

struct rules_version {
  std::uint64_t version = 0;
  std::string name;  // "rules-<version>"
  std::string author;
  std::string reason;
  std::int64_t created_at_ms = 0;
  std::uint32_t rules = 0;
  bool running = false;
  std::string signer;  // the analyst fraudd verified: "alice (UABC...)"
};

struct rules_set_request {
  std::string text;
  std::string author;
  std::string reason;
  bool dry_run = false;
};

/// The reply to fraud.rules.set and fraud.rules.rollback.
struct rules_change_reply {
  std::optional<rules_version> version;  // running now
  std::vector<models::rules::rule_diagnostic> errors;
  std::vector<models::rules::rule_diagnostic> warnings;
  fraud::error error;
};

struct rules_get_request {
  std::uint64_t version = 0;  // 0: the running one
};

struct rules_get_reply {
  std::optional<rules_version> version;
  std::string text;
  fraud::error error;
};

struct rules_rollback_request {
  std::uint64_t version = 0;
  std::string author;
  std::string reason;
};

struct rules_history_request {
  std::uint32_t limit = 20;
};

struct rules_activation {
  std::uint64_t version = 0;
  std::string author;
  std::string reason;
  std::int64_t activated_at_ms = 0;
  std::string kind;  // "set", "rollback", "start"
  std::string signer;
};

struct rules_history_reply {
  std::vector<rules_version> versions;
  std::vector<rules_activation> activations;
  fraud::error error;
};

struct shadow_query {
  std::string rule;
  std::int64_t since_ms = 0;
  std::uint32_t limit = 20;
  std::string cursor{};  // a shadow_reply's next_cursor
};

struct shadow_rule_hits {
  std::string rule;
  std::uint64_t fired = 0;
  std::uint64_t approved = 0;
  std::uint64_t reviewed = 0;
  std::uint64_t declined = 0;
};

struct shadow_reply {
  std::vector<shadow_rule_hits> rules;
  std::vector<decision_view> decisions;
  std::string next_cursor;  // "" when these are the last decisions
  fraud::error error;
};

// ---- lists ---------------------------------------------------------------

struct list_change {
  std::string list;
  std::vector<std::string> values;
  std::string author;
  std::string reason;
};

struct list_change_reply {
  std::uint64_t changed = 0;
  std::uint64_t size = 0;
  fraud::error error;
};

struct lists_query {
  std::string list;  // "": every list's name and size
  std::uint32_t limit = 0;  // entries; 0: max_query_limit
  std::string cursor{};  // a lists_reply's next_cursor
};

struct list_entry {
  std::string value;
  std::string author;
  std::string reason;
  std::int64_t added_at_ms = 0;
  std::string signer;
};

struct named_list {
  std::string name;
  std::uint64_t size = 0;
  std::vector<list_entry> entries;
};

struct lists_reply {
  std::vector<named_list> lists;  // each size counts every entry
  std::string next_cursor;  // "" when these are the last entries
  fraud::error error;
};

// ---- requests: the service decodes and checks, clients encode ----------

fraud::error decode(const void* data, std::size_t size,
                                 rules_set_request& out);
fraud::error decode(const void* data, std::size_t size,
                                 rules_get_request& out);
fraud::error decode(const void* data, std::size_t size,
                                 rules_rollback_request& out);
fraud::error decode(const void* data, std::size_t size,
                                 rules_history_request& out);
fraud::error decode(const void* data, std::size_t size,
                                 shadow_query& out);
fraud::error decode(const void* data, std::size_t size,
                                 list_change& out);
fraud::error decode(const void* data, std::size_t size,
                                 lists_query& out);

void encode(const rules_set_request& r, std::string& out);
void encode(const rules_get_request& r, std::string& out);
void encode(const rules_rollback_request& r, std::string& out);
void encode(const rules_history_request& r, std::string& out);
void encode(const shadow_query& r, std::string& out);
void encode(const list_change& r, std::string& out);
void encode(const lists_query& r, std::string& out);

// ---- replies: the service encodes, clients decode -----------------------

void encode(const rules_change_reply& r, std::string& out);
void encode(const rules_get_reply& r, std::string& out);
void encode(const rules_history_reply& r, std::string& out);
/// `decisions` are encoded fraud.v1.Decision, as the store keeps them.
void encode_shadow_reply(const std::vector<shadow_rule_hits>& rules,
                         const std::vector<std::string>& decisions,
                         const std::string& next_cursor,
                         const fraud::error& error,
                         std::string& out);
void encode(const list_change_reply& r, std::string& out);
void encode(const lists_reply& r, std::string& out);

fraud::error decode(const void* data, std::size_t size, rules_change_reply& out);
fraud::error decode(const void* data, std::size_t size, rules_get_reply& out);
fraud::error decode(const void* data, std::size_t size, rules_history_reply& out);
fraud::error decode(const void* data, std::size_t size, shadow_reply& out);
fraud::error decode(const void* data, std::size_t size, list_change_reply& out);
fraud::error decode(const void* data, std::size_t size, lists_reply& out);

} // namespace fraud::protocol
