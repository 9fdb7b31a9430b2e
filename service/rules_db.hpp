// Rule versions, their activations and the named lists, in the decision
// database (tables of schema step 3, service/decision_schema.cpp); or the
// versions and activations of the exchange rates (schema step 6) or of
// the trained models (step 8), the same way. Versions are never changed or deleted: a rollback runs an old
// one again.
//
// Not thread-safe: one connection, used under live_rules' lock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/error.hpp"

#include "models/rules/rule_lists.hpp"
#include "protocol/rules_codec.hpp"
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

/// What a rules_db keeps versions of: rule texts, rates tables (the same
/// history in tables of their own: schema step 6), or trained models
/// (schema step 8).
enum class versioned { rules, rates, models };

class rules_db {
public:
  /// Opens the database read-write and migrates it to the current schema.
  static fraud::expected<std::unique_ptr<rules_db>>
  open(const std::string& path, versioned kind = versioned::rules);

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
  // `text` with {versions}, {activations} and {count} named for kind_.
  std::string sql(std::string_view text) const;

  std::unique_ptr<sqlite_connection> db_;
  versioned kind_ = versioned::rules;
};

/// A version as replies show it: named `name`, running when it is the
/// version `running`.
protocol::rules_version version_info(const stored_version& v,
                                     std::string name,
                                     std::uint64_t running);

/// The reply to a change that names the version running now, as `info`
/// makes it (or the store's error).
template <class Info>
protocol::rules_change_reply running_reply(rules_db& store,
                                           std::uint64_t running, Info info) {
  protocol::rules_change_reply out;
  auto v = store.version(running);
  if (!v)
    out.error = v.error();
  else if (*v)
    out.version = info(**v);
  return out;
}

/// fraud.rules.get and fraud.rates.get: version `asked` (0: `running`),
/// NOT_FOUND naming `what` ("rule version") when there is none.
template <class Info>
protocol::rules_get_reply get_reply(rules_db& store, std::uint64_t asked,
                                    std::uint64_t running, Info info,
                                    const std::string& what) {
  protocol::rules_get_reply out;
  auto v = store.version(asked == 0 ? running : asked);
  if (!v)
    out.error = v.error();
  else if (!*v)
    out.error = fraud::error::in_field(
      fraud::ec::not_found, "version",
      "there is no " + what + " " + std::to_string(asked));
  else {
    out.version = info(**v);
    out.text = (*v)->text;
  }
  return out;
}

/// What runs at start: the text of `file` (from the option `option`),
/// else what ran last, else `builtin`; `version` is 0 for a text not kept
/// yet. `what` names the kind in errors ("rule version").
struct start_choice {
  std::string text;
  std::uint64_t version = 0;
  bool ran_last = false;  // what ran last: no new activation
  signature who;
};
fraud::expected<start_choice> choose_start(rules_db& store,
                                           const std::string& file,
                                           const std::string& option,
                                           std::string_view builtin,
                                           const std::string& builtin_name,
                                           const std::string& what);

/// Records that `version` runs, made so by `who` (`kind`: "set",
/// "rollback", "start"), unless the last activation says just that (a
/// cluster's log read again at a restart).
fraud::error activate_once(rules_db& store, std::uint64_t version,
                           const std::string& kind, const signature& who);

/// Keeps `c` as a version if it is new, and records that it starts
/// running unless it ran last; `count` is what the version holds.
fraud::error keep_start(rules_db& store, start_choice& c, std::uint32_t count);

/// A history reply of `store`'s newest `limit` versions and activations,
/// each version as `info` makes it (fraud.rules.history, fraud.rates.history).
template <class Info>
protocol::rules_history_reply history_reply(rules_db& store,
                                            std::uint32_t limit, Info info) {
  protocol::rules_history_reply out;
  auto versions = store.versions(limit);
  auto activations = store.activations(limit);
  if (!versions) {
    out.error = versions.error();
    return out;
  }
  if (!activations) {
    out.error = activations.error();
    return out;
  }
  for (auto& v : *versions)
    out.versions.push_back(info(v));
  for (auto& a : *activations)
    out.activations.push_back(protocol::rules_activation{
      a.version, a.author, a.reason, a.activated_at_ms, a.kind, a.signer});
  return out;
}

} // namespace fraud::service
