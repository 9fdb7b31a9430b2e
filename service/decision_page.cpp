#include "service/decision_page.hpp"

#include "service/scan_budget.hpp"

namespace fraud::service {

namespace {

// What a decision adds to a reply beside its bytes: the repeated field's
// tag and length (8), and its row cursor (a tag, a length, 19 digits).
constexpr std::size_t framing_bytes = 8 + 21;


// A statement's rows (id, payload).
class statement_rows final : public decision_rows {
public:
  explicit statement_rows(sqlite_statement& st) : st_(st) {
  }
  int step() override {
    return st_.step();
  }
  std::int64_t id() override {
    return st_.int64(0);
  }
  std::string_view payload() override {
    return st_.blob(1);
  }

private:
  sqlite_statement& st_;
};

} // namespace

fraud::expected<decision_page>
read_decision_page(sqlite_connection& db, decision_rows& rows,
                   const page_bounds& bounds, const char* doing,
                   const std::string& narrow) {
  scan_budget budget{db.get(), bounds.max_steps};
  decision_page page;
  std::size_t bytes = 0;
  std::int64_t last_id = 0;
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    auto payload = rows.payload();
    bytes += payload.size() + framing_bytes;
    // A page holds at least one decision, so that paging always moves on.
    if (page.decisions.size() == bounds.limit
        || (bounds.max_bytes > 0 && bytes > bounds.max_bytes
            && !page.decisions.empty())) {
      page.next_cursor = last_id;
      return page;
    }
    last_id = rows.id();
    page.decisions.emplace_back(payload);
    page.ids.push_back(last_id);
  }
  if (rc == SQLITE_INTERRUPT && budget.exhausted()) {
    if (page.decisions.empty())
      return budget.exceeded(narrow);
    page.next_cursor = last_id;
    return page;
  }
  if (rc != SQLITE_DONE)
    return db.error(doing);
  return page;
}

fraud::expected<decision_page>
read_decision_page(sqlite_connection& db, sqlite_statement& st,
                   const page_bounds& bounds, const char* doing,
                   const std::string& narrow) {
  statement_rows rows{st};
  return read_decision_page(db, rows, bounds, doing, narrow);
}

} // namespace fraud::service
