#include "service/posting_rows.hpp"

#include <limits>

namespace fraud::service {

fraud::expected<posting_rows>
posting_rows::open(sqlite_connection& db, std::int64_t kind,
                   std::string_view name, std::int64_t min_id,
                   std::int64_t cursor, sqlite_statement& decision) {
  // Postings of one list never overlap (each holds one batch's ids), so
  // newest first by first_id is newest first by id.
  auto st = db.prepare("SELECT ids FROM decision_postings WHERE kind = ?1 "
                       "AND name = ?2 AND first_id < ?3 AND last_id >= ?4 "
                       "ORDER BY first_id DESC");
  if (!st)
    return st.error();
  if (cursor <= 0)
    cursor = std::numeric_limits<std::int64_t>::max();
  st->bind(1, kind);
  st->bind(2, name);
  st->bind(3, cursor);
  st->bind(4, min_id);
  return posting_rows{std::move(*st), decision, min_id, cursor};
}

posting_rows::posting_rows(sqlite_statement postings,
                           sqlite_statement& decision, std::int64_t min_id,
                           std::int64_t cursor)
  : postings_(std::move(postings)), decision_(&decision),
    decision_id_param_(sqlite3_bind_parameter_index(decision.get(), ":id")),
    min_id_(min_id), cursor_(cursor) {
}

bool posting_rows::next_id(std::int64_t& id) {
  // Written by decision_db (or json_group_array): '[', ids in ascending
  // order separated by ',', ']'; nothing else.
  while (end_ > 0 && (ids_[end_ - 1] < '0' || ids_[end_ - 1] > '9'))
    --end_;
  if (end_ == 0)
    return false;
  auto stop = end_;
  while (end_ > 0 && ids_[end_ - 1] >= '0' && ids_[end_ - 1] <= '9')
    --end_;
  id = 0;
  for (auto i = end_; i < stop; ++i)
    id = id * 10 + (ids_[i] - '0');
  return true;
}

int posting_rows::step() {
  for (;;) {
    std::int64_t id;
    while (next_id(id)) {
      if (id >= cursor_)
        continue;
      if (id < min_id_)
        return SQLITE_DONE;  // every later one is older still
      sqlite3_reset(decision_->get());
      decision_->bind(decision_id_param_, id);
      auto rc = decision_->step();
      if (rc != SQLITE_DONE)
        return rc;  // its row, or an error (an interrupt of the budget)
    }
    auto rc = postings_.step();
    if (rc != SQLITE_ROW)
      return rc;
    ids_ = postings_.text(0);
    end_ = ids_.size();
  }
}

std::int64_t posting_rows::id() {
  return decision_->int64(0);
}

std::string_view posting_rows::payload() {
  return decision_->blob(1);
}

} // namespace fraud::service
