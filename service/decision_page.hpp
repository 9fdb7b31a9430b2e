// A page of encoded decisions read from the store, newest first, and how
// big it may be: at most `limit` rows, `max_bytes` of them (so that the
// reply fits in one NATS message) and `max_steps` of SQLite work. A page
// that stops early for bytes or steps says where to go on (next_cursor),
// as one that stops at `limit` does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/error.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

struct decision_page {
  std::vector<std::string> decisions;  // encoded fraud.v1.Decision, newest first
  std::vector<std::int64_t> ids;       // each one's row id: a page that
                                       // starts at decisions[i] has cursor
                                       // ids[i] + 1
  std::int64_t next_cursor = 0;        // 0 on the last page
};

struct page_bounds {
  std::uint32_t limit = 50;
  std::size_t max_bytes = 0;      // 0: no bound
  std::uint64_t max_steps = 0;    // 0: no bound (service/scan_budget.hpp)
};

/// Rows of (id, payload), newest first, as read_decision_page reads them.
class decision_rows {
public:
  virtual ~decision_rows() = default;
  /// SQLITE_ROW, SQLITE_DONE, or SQLite's error (SQLITE_INTERRUPT when
  /// the step budget stopped it).
  virtual int step() = 0;
  virtual std::int64_t id() = 0;
  virtual std::string_view payload() = 0;  // valid until the next step
};

/// Reads `rows` into a page of at most bounds.limit decisions (reading
/// one more tells whether there is a next page). A search the step budget
/// stops returns what it found, with a cursor; having found nothing, it is
/// LIMIT_EXCEEDED saying `narrow`. `doing` names the search in a store
/// error.
fraud::expected<decision_page>
read_decision_page(sqlite_connection& db, decision_rows& rows,
                   const page_bounds& bounds, const char* doing,
                   const std::string& narrow);

/// Steps `st`, which selects (id, payload) newest first with LIMIT
/// limit + 1 (one more tells whether there is a next page), into a page.
/// A search the step budget stops returns what it found, with a cursor;
/// having found nothing, it is LIMIT_EXCEEDED saying `narrow`. `doing`
/// names the search in a store error.
fraud::expected<decision_page>
read_decision_page(sqlite_connection& db, sqlite_statement& st,
                   const page_bounds& bounds, const char* doing,
                   const std::string& narrow);

} // namespace fraud::service
