// The review queue and the outcomes learnt after a decision, in the
// decision database (tables of schema step 7, service/decision_schema.cpp):
// cases (opened by the store as it writes a REVIEW decision, in
// decision_db), labels, and each labelled tx_id's outcome; and rule
// performance, read from the decisions joined with their outcomes.
//
// Writes (labels, resolutions) are small transactions on a connection of
// their own; SQLite's lock makes them take turns with the store's batches
// (busy timeout: sqlite_connection). Reads are bounded like every search
// (page_bounds: rows, bytes, SQLite steps).
//
// Not thread-safe: one instance per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "models/ruleset.hpp"
#include "protocol/outcome_codec.hpp"
#include "service/decision_page.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

/// What storing a request's labels did (protocol::labels_add_reply's
/// counts).
struct labels_stored {
  std::uint64_t added = 0, changed = 0, unchanged = 0;
  std::uint64_t decided = 0, unknown = 0;
};

class outcome_db {
public:
  /// Opens the (migrated) decision database; read-only unless `writable`.
  static fraud::expected<std::unique_ptr<outcome_db>>
  open(const std::string& path, bool writable);

  /// Stores labels in one transaction: a (tx_id, source) already holding
  /// that outcome is unchanged; otherwise the label is kept (replacing
  /// the source's earlier one) and the tx_id's outcome recomputed.
  fraud::expected<labels_stored>
  add_labels(const std::vector<protocol::label>& labels,
             const std::string& signer, std::int64_t now_ms);

  /// Resolves the case of `q.tx_id` (again: a correction) and stores its
  /// label (source "case"), together; `label` counts what that did.
  /// Nothing when there is no such case.
  fraud::expected<std::optional<protocol::review_case>>
  resolve(const protocol::case_resolve& q, const std::string& signer,
          std::int64_t now_ms, labels_stored& label);

  /// The case of `tx_id` (a REVIEW decision's), or nothing.
  fraud::expected<std::optional<protocol::review_case>>
  case_of(const std::string& tx_id);

  /// A page of cases, newest first, and how many are open.
  fraud::expected<protocol::cases_reply>
  cases(const protocol::cases_query& q, const page_bounds& bounds);

  /// A page of labels, newest at_ms first, each joined with its decision
  /// when this store holds it; and the counts of outside labels.
  fraud::expected<protocol::labels_reply>
  labels(const protocol::labels_query& q, const page_bounds& bounds);

  /// Each rule's figures over the decisions made since `since_ms`: every
  /// rule that fired in the window, and every rule of `running` (the
  /// running ruleset's, models::ruleset::rule_names) with zero counts when
  /// it never did. LIMIT_EXCEEDED when counting takes more than
  /// `max_steps`.
  fraud::expected<protocol::performance_reply>
  performance(std::int64_t since_ms, std::uint64_t max_steps,
              const std::vector<models::rule_name>& running = {});

private:
  outcome_db() = default;
  fraud::error store_label(const protocol::label& l, const std::string& signer,
                           std::int64_t now_ms, labels_stored& counts);
  // Tx_ids labelled from outside (not only by a case), and how many of
  // them this store decided.
  fraud::error outside_labels(std::uint64_t& labelled, std::uint64_t& decided);

  std::unique_ptr<sqlite_connection> db_;
  sqlite_statement label_outcome_;  // a (tx_id, source)'s outcome now
  sqlite_statement put_label_;
  sqlite_statement put_outcome_;
  sqlite_statement decided_;        // is there a decision for tx_id?
};

} // namespace fraud::service
