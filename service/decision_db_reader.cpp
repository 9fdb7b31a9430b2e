#include "service/decision_db_reader.hpp"

#include "service/decision_schema.hpp"
#include "service/posting_rows.hpp"

namespace fraud::service {

fraud::expected<std::unique_ptr<decision_db_reader>>
decision_db_reader::open(const std::string& path) {
  std::unique_ptr<decision_db_reader> self{new decision_db_reader};
  auto db = sqlite_connection::open(path, false);
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  auto keys = key_finder::open(*self->db_);
  if (!keys)
    return keys.error();
  self->keys_ = std::make_unique<key_finder>(std::move(*keys));
  return self;
}

fraud::expected<std::string> decision_db_reader::by_tx(const std::string& tx_id) {
  std::string payload;
  auto id = keys_->tx(tx_id, default_key_hash, &payload);
  if (!id)
    return with_context(id.error(), "looking up " + tx_id);
  return payload;
}

fraud::expected<decision_page>
decision_db_reader::search(const decision_filter& f) {
  // A card's keys are read run by run as the page fills: one snapshot.
  read_snapshot snapshot{*db_};
  // With a rule, the rule's postings drive the scan (newest first); with a
  // declining or reviewing action and no card, the action's; with a card,
  // its keys (schema 10); otherwise the table's own order does. Every
  // value is bound, never spliced.
  bool by_action = f.rule.empty() && f.card_id.empty() && f.action
                   && *f.action != models::action::approve;
  bool by_card = f.rule.empty() && !by_action && !f.card_id.empty();
  bool by_postings = !f.rule.empty() || by_action || by_card;
  std::string sql = "SELECT d.id, d.payload FROM decisions d WHERE ";
  sql += by_postings ? "d.id = :id" : "1";
  if (f.action)
    sql += " AND d.action = :action";
  if (!f.card_id.empty())
    sql += " AND d.card_id = :card";
  if (f.since_ms > 0)
    sql += " AND d.decided_at_ms >= :since";
  if (f.since_ms > 0 && !by_postings)
    sql += " AND d.id >= " + first_id_since(":since");
  if (f.until_ms > 0)
    sql += " AND d.decided_at_ms < :until";
  if (!by_postings) {
    if (f.cursor > 0)
      sql += " AND d.id < :cursor";
    sql += " ORDER BY d.id DESC LIMIT :limit";
  }
  auto st = db_->prepare(sql);
  if (!st)
    return st.error();
  auto bind = [&](const char* name, auto value) {
    auto i = sqlite3_bind_parameter_index(st->get(), name);
    if (i > 0)
      st->bind(i, value);
  };
  if (f.action)
    bind(":action", static_cast<std::int64_t>(*f.action));
  bind(":card", std::string_view{f.card_id});
  bind(":since", f.since_ms);
  bind(":until", f.until_ms);
  bind(":cursor", f.cursor);
  // one more than asked tells whether there is a next page
  bind(":limit", static_cast<std::int64_t>(f.bounds.limit) + 1);
  const char* doing = "searching decisions";
  std::string narrow = "narrow it with card_id, rule or a time range";
  if (!by_postings)
    return read_decision_page(*db_, *st, f.bounds, doing, narrow);
  auto min_id = first_decision_since(*db_, f.since_ms);
  if (!min_id)
    return min_id.error();
  if (by_card) {
    auto rows = key_rows::open(*db_, f.card_id, *min_id, f.cursor, *st);
    if (!rows)
      return rows.error();
    return read_decision_page(*db_, *rows, f.bounds, doing, narrow);
  }
  std::string action_name;
  if (by_action)
    action_name = std::to_string(static_cast<int>(*f.action));
  auto rows = posting_rows::open(
    *db_, by_action ? posting_action : posting_rule,
    by_action ? std::string_view{action_name} : std::string_view{f.rule},
    *min_id, f.cursor, *st);
  if (!rows)
    return rows.error();
  return read_decision_page(*db_, *rows, f.bounds, doing, narrow);
}

decision_read_pool::decision_read_pool(std::string path)
  : readers_([path = std::move(path)] { return decision_db_reader::open(path); }) {
}

fraud::expected<std::string>
decision_read_pool::find(const std::string& tx_id) {
  auto reader = readers_.get();
  if (!reader)
    return reader.error();
  return (*reader)->by_tx(tx_id);
}

} // namespace fraud::service
