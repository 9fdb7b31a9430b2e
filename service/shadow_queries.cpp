#include "service/shadow_queries.hpp"

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
shadow_queries::hits(std::int64_t since_ms) {
  auto st = db_->prepare(
    "SELECT s.rule, count(*), sum(d.action = 0), sum(d.action = 1), "
    "sum(d.action = 2) FROM decision_shadow_rules s JOIN decisions d ON "
    "d.id = s.decision_id WHERE d.decided_at_ms >= ? GROUP BY s.rule "
    "ORDER BY count(*) DESC, s.rule");
  if (!st)
    return st.error();
  st->bind(1, since_ms);
  std::vector<protocol::shadow_rule_hits> out;
  int rc;
  auto count = [&](int col) {
    return static_cast<std::uint64_t>(st->int64(col));
  };
  while ((rc = st->step()) == SQLITE_ROW)
    out.push_back(protocol::shadow_rule_hits{st->text(0), count(1), count(2),
                                             count(3), count(4)});
  if (rc != SQLITE_DONE)
    return db_->error("counting shadow rule hits");
  return out;
}

fraud::expected<std::vector<std::string>>
shadow_queries::decisions(const std::string& rule, std::int64_t since_ms,
                          std::uint32_t limit) {
  auto st = db_->prepare(
    "SELECT d.payload FROM decision_shadow_rules s JOIN decisions d ON "
    "d.id = s.decision_id WHERE s.rule = ? AND d.decided_at_ms >= ? ORDER "
    "BY s.decision_id DESC LIMIT ?");
  if (!st)
    return st.error();
  st->bind(1, rule);
  st->bind(2, since_ms);
  st->bind(3, std::int64_t{limit});
  std::vector<std::string> out;
  int rc;
  while ((rc = st->step()) == SQLITE_ROW)
    out.emplace_back(st->blob(0));
  if (rc != SQLITE_DONE)
    return db_->error("reading decisions of shadow rule " + rule);
  return out;
}

} // namespace fraud::service
