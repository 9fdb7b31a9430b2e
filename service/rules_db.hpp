// Rule versions, their activations and the named lists, in the decision
// database (tables of schema step 3, service/decision_schema.cpp). Versions
// are never changed or deleted: a rollback runs an old one again.
//
// Not thread-safe: one connection, used under live_rules' lock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/error.hpp"

#include "models/rules/rule_lists.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

struct stored_version {
  std::uint64_t version = 0;
  std::string text;
  std::string author;
  std::string reason;
  std::int64_t created_at_ms = 0;
  std::uint32_t rules = 0;
  std::string signer;
};

struct stored_activation {
  std::uint64_t version = 0;
  std::string author;
  std::string reason;
  std::int64_t activated_at_ms = 0;
  std::string kind;  // "set", "rollback", "start"
  std::string signer;
};

struct stored_list_entry {
  std::string value;
  std::string author;
  std::string reason;
  std::int64_t added_at_ms = 0;
  std::string signer;
};

/// A page of a list's entries, in value order.
struct stored_list_page {
  std::vector<stored_list_entry> entries;
  std::string next_cursor;  // the last value here when there are more
};

/// Who changes something, why, and when. `signer` is the identity fraudd
/// verified ("alice (UABC...)"); `author` is what the request says.
struct signature {
  std::string author;
  std::string reason;
  std::int64_t at_ms = 0;
  std::string signer;
};

class rules_db {
public:
  /// Opens the database read-write and migrates it to the current schema.
  static fraud::expected<std::unique_ptr<rules_db>>
  open(const std::string& path);

  /// Keeps a new version; returns its number.
  fraud::expected<std::uint64_t> add_version(const std::string& text,
                                           std::uint32_t rules,
                                           const signature& who);

  /// Keeps version `version` under the number a cluster gave it (rules
  /// numbered by the bucket, service/rules_bucket.hpp); an error when this
  /// database has that number already.
  fraud::error add_version_as(std::uint64_t version, const std::string& text,
                              std::uint32_t rules, const signature& who);

  /// The highest version number kept, or 0.
  fraud::expected<std::uint64_t> max_version();

  fraud::error activate(std::uint64_t version, const std::string& kind,
                      const signature& who);

  /// A version, or nothing when there is no such version.
  fraud::expected<std::optional<stored_version>> version(std::uint64_t v);

  /// The newest version whose text is exactly `text`, or 0.
  fraud::expected<std::uint64_t> find_text(const std::string& text);

  /// The last activation: what ran last. Nothing for a new database.
  fraud::expected<std::optional<stored_activation>> last_activation();

  /// Newest first, without their texts.
  fraud::expected<std::vector<stored_version>> versions(std::uint32_t limit);
  fraud::expected<std::vector<stored_activation>>
  activations(std::uint32_t limit);

  /// Adds (or removes) values; returns how many were not already in (out).
  fraud::expected<std::size_t> change_list(const std::string& list,
                                         const std::vector<std::string>& values,
                                         bool add, const signature& who);

  fraud::expected<models::rules::named_lists::map_type> lists();

  /// Entries of `list` after the value `cursor` ("": from the first): at
  /// most `limit`, and no more than `max_bytes` of text (0: no bound;
  /// always at least one entry, so that paging moves on).
  fraud::expected<stored_list_page>
  list_entries(const std::string& list, const std::string& cursor,
               std::uint32_t limit, std::size_t max_bytes);

private:
  rules_db() = default;
  fraud::error run(sqlite_statement& st, const char* what);

  std::unique_ptr<sqlite_connection> db_;
};

} // namespace fraud::service
