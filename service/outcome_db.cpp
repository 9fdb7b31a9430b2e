#include "service/outcome_db.hpp"

#include <limits>
#include <sstream>

#include "service/key_runs.hpp"
#include "service/scan_budget.hpp"

namespace fraud::service {

namespace {

using protocol::outcome;

std::vector<std::string> split_rules(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  std::string rule;
  while (in >> rule)
    out.push_back(rule);
  return out;
}

// The columns every case query selects, in this order.
constexpr const char* case_columns =
  "tx_id, card_id, state, score, rules, amount_minor, currency, "
  "merchant_id, opened_at_ms, resolved_by, resolved_at_ms, note";

protocol::review_case read_case(const sqlite_statement& st) {
  protocol::review_case c;
  c.tx_id = st.text(0);
  c.card_id = st.text(1);
  auto s = st.int64(2);
  c.state = s >= 0 && s <= 2 ? static_cast<protocol::case_state>(s)
                             : protocol::case_state::open;
  c.score = static_cast<std::int32_t>(st.int64(3));
  c.rules = split_rules(st.text(4));
  c.amount_minor = st.int64(5);
  c.currency = st.text(6);
  c.merchant_id = st.text(7);
  c.opened_at_ms = st.int64(8);
  c.resolved_by = st.text(9);
  c.resolved_at_ms = st.int64(10);
  c.note = st.text(11);
  return c;
}

// What a row adds to a reply: its text fields and some framing.
std::size_t approx_bytes(const protocol::review_case& c) {
  std::size_t n = 64 + c.tx_id.size() + c.card_id.size() + c.currency.size()
                  + c.merchant_id.size() + c.resolved_by.size()
                  + c.note.size();
  for (auto& r : c.rules)
    n += r.size() + 2;
  return n;
}

std::size_t approx_bytes(const protocol::stored_label& l) {
  std::size_t n = 64 + l.value.tx_id.size() + l.value.source.size()
                  + l.value.note.size() + l.signer.size();
  for (auto& r : l.rules)
    n += r.size() + 2;
  return n;
}

// Fills a keyed page (cases, labels) from `st`, which selects newest
// first with LIMIT limit + 1: stops at `limit`, at `max_bytes`, or where
// the step budget interrupted it, and sets next_cursor from the last row
// taken when there is more. `read` reads a row; `key` is its cursor.
template <class Row, class Read, class Key>
fraud::error read_keyed_page(sqlite_connection& db, sqlite_statement& st,
                             const page_bounds& bounds, const char* doing,
                             const std::string& narrow,
                             std::vector<Row>& rows, std::string& next,
                             Read read, Key key) {
  scan_budget budget{db.get(), bounds.max_steps};
  std::size_t bytes = 0;
  bool more = false;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    auto row = read(st);
    auto size = approx_bytes(row);
    if (rows.size() >= bounds.limit
        || (bounds.max_bytes > 0 && !rows.empty()
            && bytes + size > bounds.max_bytes)) {
      more = true;
      break;
    }
    bytes += size;
    rows.push_back(std::move(row));
  }
  if (rc == SQLITE_INTERRUPT && budget.exhausted()) {
    if (rows.empty())
      return budget.exceeded(narrow);
    more = true;
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return db.error(doing);
  }
  if (more && !rows.empty())
    next = format_outcome_cursor(key(rows.back()));
  return {};
}

} // namespace

fraud::expected<std::unique_ptr<outcome_db>>
outcome_db::open(const std::string& path, bool writable) {
  std::unique_ptr<outcome_db> self{new outcome_db};
  auto db = sqlite_connection::open(path, writable);
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  // Labels and outcomes name a tx_id; its decision is found through the
  // key runs (schema 10 has no tx_id index).
  if (auto err = register_decision_id_of(*self->db_))
    return err;
  if (!writable)
    return self;
  auto prep = [&](sqlite_statement& st, const char* sql) {
    return self->db_->prepare(st, sql);
  };
  if (auto err = prep(self->label_outcome_,
                      "SELECT outcome FROM labels WHERE tx_id = ? AND "
                      "source = ?"))
    return err;
  if (auto err = prep(self->put_label_,
                      "INSERT OR REPLACE INTO labels(tx_id, source, outcome, "
                      "at_ms, note, signer, received_at_ms) VALUES "
                      "(?,?,?,?,?,?,?)"))
    return err;
  // The tx_id's outcome: its latest label, fraud on a tie.
  if (auto err = prep(self->put_outcome_,
                      "INSERT OR REPLACE INTO outcomes(tx_id, outcome, at_ms, "
                      "outside) SELECT tx_id, outcome, at_ms, (SELECT "
                      "count(*) > 0 FROM labels WHERE tx_id = ?1 AND source "
                      "!= 'case') FROM labels WHERE tx_id = ?1 ORDER BY "
                      "at_ms DESC, outcome = 1 DESC LIMIT 1"))
    return err;
  if (auto err = prep(self->decided_,
                      "SELECT 1 WHERE decision_id_of(?) IS NOT NULL"))
    return err;
  return self;
}

fraud::error outcome_db::store_label(const protocol::label& l,
                                     const std::string& signer,
                                     std::int64_t now_ms,
                                     labels_stored& counts) {
  label_outcome_.bind(1, l.tx_id);
  label_outcome_.bind(2, l.source);
  auto rc = label_outcome_.step();
  auto before = rc == SQLITE_ROW ? label_outcome_.int64(0) : 0;
  label_outcome_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_->error("reading the label of " + l.tx_id);
  decided_.bind(1, l.tx_id);
  rc = decided_.step();
  decided_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_->error("finding the decision of " + l.tx_id);
  ++(rc == SQLITE_ROW ? counts.decided : counts.unknown);
  if (before == static_cast<std::int64_t>(l.result)) {
    ++counts.unchanged;  // sent again: the first one stands, time and all
    return {};
  }
  ++(before == 0 ? counts.added : counts.changed);
  auto& st = put_label_;
  st.bind(1, l.tx_id);
  st.bind(2, l.source);
  st.bind(3, static_cast<std::int64_t>(l.result));
  st.bind(4, l.at_ms);
  st.bind(5, l.note);
  st.bind(6, signer);
  st.bind(7, now_ms);
  if (auto err = db_->run(st, "storing the label of", l.tx_id))
    return err;
  put_outcome_.bind(1, l.tx_id);
  return db_->run(put_outcome_, "storing the outcome of", l.tx_id);
}

fraud::expected<labels_stored>
outcome_db::add_labels(const std::vector<protocol::label>& labels,
                       const std::string& signer, std::int64_t now_ms) {
  labels_stored counts;
  if (auto err = db_->exec("BEGIN IMMEDIATE"))
    return err;
  for (auto& l : labels) {
    if (auto err = store_label(l, signer, now_ms, counts)) {
      db_->rollback();
      return err;
    }
  }
  if (auto err = db_->exec("COMMIT")) {
    db_->rollback();
    return err;
  }
  return counts;
}

fraud::expected<std::optional<protocol::review_case>>
outcome_db::case_of(const std::string& tx_id) {
  auto st = db_->prepare(std::string{"SELECT "} + case_columns
                         + " FROM cases WHERE tx_id = ?");
  if (!st)
    return st.error();
  st->bind(1, tx_id);
  auto rc = st->step();
  if (rc == SQLITE_DONE)
    return std::optional<protocol::review_case>{};
  if (rc != SQLITE_ROW)
    return db_->error("reading the case of " + tx_id);
  return std::optional<protocol::review_case>{read_case(*st)};
}

fraud::expected<std::optional<protocol::review_case>>
outcome_db::resolve(const protocol::case_resolve& q, const std::string& signer,
                    std::int64_t now_ms, labels_stored& counts) {
  auto update = db_->prepare(
    "UPDATE cases SET state = ?, resolved_by = ?, resolved_at_ms = ?, "
    "note = ? WHERE tx_id = ?");
  if (!update)
    return update.error();
  if (auto err = db_->exec("BEGIN IMMEDIATE"))
    return err;
  auto fail = [&](fraud::error err) {
    db_->rollback();
    return err;
  };
  update->bind(1, static_cast<std::int64_t>(q.result));
  update->bind(2, signer);
  update->bind(3, now_ms);
  update->bind(4, q.note);
  update->bind(5, q.tx_id);
  if (update->step() != SQLITE_DONE)
    return fail(db_->error("resolving the case of " + q.tx_id));
  if (sqlite3_changes(db_->get()) == 0) {
    db_->rollback();
    return std::optional<protocol::review_case>{};
  }
  protocol::label l{q.tx_id, q.result, protocol::case_source, now_ms, q.note};
  if (auto err = store_label(l, signer, now_ms, counts))
    return fail(err);
  if (auto err = db_->exec("COMMIT"))
    return fail(err);
  return case_of(q.tx_id);
}

fraud::error outcome_db::outside_labels(std::uint64_t& labelled,
                                      std::uint64_t& decided) {
  auto st = db_->prepare(
    "SELECT count(*), count(d.id) FROM outcomes o LEFT JOIN decisions d ON "
    "d.id = decision_id_of(o.tx_id) WHERE o.outside = 1");
  if (!st)
    return st.error();
  if (st->step() != SQLITE_ROW)
    return db_->error("counting labels");
  labelled = static_cast<std::uint64_t>(st->int64(0));
  decided = static_cast<std::uint64_t>(st->int64(1));
  return {};
}

fraud::expected<protocol::cases_reply>
outcome_db::cases(const protocol::cases_query& q, const page_bounds& bounds) {
  protocol::cases_reply out;
  protocol::outcome_cursor from;
  bool from_cursor = false;
  if (auto err = protocol::parse_outcome_cursor(q.cursor, from, from_cursor))
    return err;
  std::string sql = std::string{"SELECT "} + case_columns
                    + " FROM cases WHERE (opened_at_ms, tx_id) < (?, ?)";
  if (q.open_only)
    sql += " AND state = 0";
  if (!q.rule.empty())
    sql += " AND instr(' ' || rules || ' ', ' ' || ? || ' ') > 0";
  sql += " ORDER BY opened_at_ms DESC, tx_id DESC LIMIT ?";
  auto st = db_->prepare(sql);
  if (!st)
    return st.error();
  int i = 0;
  // Without a cursor, the newest: every key is below (max, "\x7f").
  st->bind(++i, from_cursor ? from.ms
                            : std::numeric_limits<std::int64_t>::max());
  st->bind(++i, from_cursor ? from.tx_id : std::string{"\x7f"}, true);
  if (!q.rule.empty())
    st->bind(++i, q.rule);
  st->bind(++i, static_cast<std::int64_t>(bounds.limit) + 1);
  if (auto err = read_keyed_page(
        *db_, *st, bounds, "reading cases", "ask with --open or a --rule",
        out.cases, out.next_cursor, read_case,
        [](const protocol::review_case& c) {
          return protocol::outcome_cursor{c.opened_at_ms, "", c.tx_id};
        }))
    return err;
  auto open = db_->prepare("SELECT count(*) FROM cases WHERE state = 0");
  if (!open)
    return open.error();
  if (open->step() != SQLITE_ROW)
    return db_->error("counting open cases");
  out.open = static_cast<std::uint64_t>(open->int64(0));
  return out;
}

fraud::expected<protocol::labels_reply>
outcome_db::labels(const protocol::labels_query& q, const page_bounds& bounds) {
  protocol::labels_reply out;
  protocol::outcome_cursor from;
  bool from_cursor = false;
  if (auto err = protocol::parse_outcome_cursor(q.cursor, from, from_cursor))
    return err;
  std::string sql =
    "SELECT l.tx_id, l.outcome, l.source, l.at_ms, l.note, l.signer, "
    "l.received_at_ms, d.id IS NOT NULL, d.action, d.rules FROM labels l "
    "LEFT JOIN decisions d ON d.id = decision_id_of(l.tx_id) WHERE "
    "(l.at_ms, l.source, l.tx_id) < (?, ?, ?) AND l.at_ms >= ?";
  if (!q.tx_id.empty())
    sql += " AND l.tx_id = ?";
  if (q.unknown_only)
    sql += " AND d.id IS NULL";
  sql += " ORDER BY l.at_ms DESC, l.source DESC, l.tx_id DESC LIMIT ?";
  auto st = db_->prepare(sql);
  if (!st)
    return st.error();
  int i = 0;
  st->bind(++i, from_cursor ? from.ms
                            : std::numeric_limits<std::int64_t>::max());
  st->bind(++i, from_cursor ? from.key : std::string{"\x7f"}, true);
  st->bind(++i, from_cursor ? from.tx_id : std::string{"\x7f"}, true);
  st->bind(++i, q.since_ms);
  if (!q.tx_id.empty())
    st->bind(++i, q.tx_id);
  st->bind(++i, static_cast<std::int64_t>(bounds.limit) + 1);
  auto read = [](const sqlite_statement& s) {
    protocol::stored_label l;
    l.value.tx_id = s.text(0);
    auto o = s.int64(1);
    l.value.result = o == 1 ? outcome::fraud : outcome::legit;
    l.value.source = s.text(2);
    l.value.at_ms = s.int64(3);
    l.value.note = s.text(4);
    l.signer = s.text(5);
    l.received_at_ms = s.int64(6);
    l.decided = s.int64(7) != 0;
    if (l.decided) {
      l.action = static_cast<models::action>(s.int64(8));
      l.rules = split_rules(s.text(9));
    }
    return l;
  };
  if (auto err = read_keyed_page(
        *db_, *st, bounds, "reading labels", "ask with a later since_ms",
        out.labels, out.next_cursor, read,
        [](const protocol::stored_label& l) {
          return protocol::outcome_cursor{l.value.at_ms, l.value.source,
                                          l.value.tx_id};
        }))
    return err;
  std::uint64_t decided = 0;
  if (auto err = outside_labels(out.labelled, decided))
    return err;
  out.unknown = out.labelled - decided;
  return out;
}

} // namespace fraud::service
