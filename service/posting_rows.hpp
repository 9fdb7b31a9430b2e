// The decisions one posting list names (a rule's, a shadow rule's, an
// action's: schema 9's decision_postings), newest first, for
// read_decision_page: the list's postings through their index from the
// newest, each posting's ids read from its end, each decision read by its
// primary key through the caller's statement (the rest of the filter).
//
// So a page costs what it returns and what the filter rejects on the way,
// never a whole posting: SQL over the decision_rules/actions views sorts
// every id of a posting (up to a writer's batch, 20,000) before it can
// return the newest one.
#pragma once

#include <cstdint>
#include <string_view>

#include "service/decision_page.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

class posting_rows final : public decision_rows {
public:
  /// Ids in [min_id, cursor) of posting list (kind, name); `cursor` 0: no
  /// upper bound. `decision` selects (id, payload) of the decision whose
  /// id is bound to its parameter `:id`, or no row when the filter rejects
  /// it; its other parameters are bound by the caller.
  /// Fails as SQLite does preparing the postings' statement.
  static fraud::expected<posting_rows>
  open(sqlite_connection& db, std::int64_t kind, std::string_view name,
       std::int64_t min_id, std::int64_t cursor, sqlite_statement& decision);

  int step() override;
  std::int64_t id() override;
  std::string_view payload() override;

private:
  posting_rows(sqlite_statement postings, sqlite_statement& decision,
               std::int64_t min_id, std::int64_t cursor);

  /// The next id of the current posting, from its end; false at its start.
  bool next_id(std::int64_t& id);

  sqlite_statement postings_;
  sqlite_statement* decision_;
  int decision_id_param_;
  std::int64_t min_id_;
  std::int64_t cursor_;
  std::string ids_;       // the current posting: "[1,2,3]"
  std::size_t end_ = 0;   // ids_[0, end_) is still to read
};

} // namespace fraud::service
