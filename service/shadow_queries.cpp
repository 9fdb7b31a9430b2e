#include "service/shadow_queries.hpp"

#include <limits>

#include "service/decision_schema.hpp"
#include "service/posting_rows.hpp"
#include "service/scan_budget.hpp"

namespace fraud::service {

fraud::expected<std::unique_ptr<shadow_queries>>
shadow_queries::open(const std::string& path) {
  std::unique_ptr<shadow_queries> self{new shadow_queries};
  auto db = sqlite_connection::open(path, false);
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  return self;
}

fraud::expected<std::vector<protocol::shadow_rule_hits>>
shadow_queries::hits(std::int64_t since_ms, std::uint64_t max_steps) {
  auto st = db_->prepare(
    "SELECT s.rule, count(*), sum(d.action = 0), sum(d.action = 1), "
    "sum(d.action = 2) FROM decision_shadow_rules s JOIN decisions d ON "
    "d.id = s.decision_id WHERE d.decided_at_ms >= ?1 AND d.id >= "
    + first_id_since("?1")
    + " GROUP BY s.rule ORDER BY count(*) DESC, s.rule LIMIT ?2");
  if (!st)
    return st.error();
  st->bind(1, since_ms);
  st->bind(2, static_cast<std::int64_t>(protocol::max_shadow_rules_listed));
  scan_budget budget{db_->get(), max_steps};
  std::vector<protocol::shadow_rule_hits> out;
  int rc;
  auto count = [&](int col) {
    return static_cast<std::uint64_t>(st->int64(col));
  };
  while ((rc = st->step()) == SQLITE_ROW)
    out.push_back(protocol::shadow_rule_hits{st->text(0), count(1), count(2),
                                             count(3), count(4)});
  // Counting is all or nothing: there is no part of it to return.
  if (rc == SQLITE_INTERRUPT && budget.exhausted())
    return budget.exceeded("ask for a later since_ms");
  if (rc != SQLITE_DONE)
    return db_->error("counting shadow rule hits");
  return out;
}

fraud::expected<decision_page>
shadow_queries::decisions(const std::string& rule, std::int64_t since_ms,
                          std::int64_t cursor, const page_bounds& bounds) {
  auto st = db_->prepare("SELECT d.id, d.payload FROM decisions d WHERE "
                         "d.id = :id AND d.decided_at_ms >= :since");
  if (!st)
    return st.error();
  st->bind(sqlite3_bind_parameter_index(st->get(), ":since"), since_ms);
  auto min_id = first_decision_since(*db_, since_ms);
  if (!min_id)
    return min_id.error();
  auto rows = posting_rows::open(*db_, posting_shadow_rule, rule, *min_id,
                                 cursor, *st);
  if (!rows)
    return rows.error();
  return read_decision_page(*db_, *rows, bounds,
                            "reading decisions of a shadow rule",
                            "ask for a later since_ms");
}

} // namespace fraud::service
