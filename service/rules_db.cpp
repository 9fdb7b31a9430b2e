#include "service/rules_db.hpp"

#include <fstream>
#include <sstream>

#include "service/client/clock.hpp"
#include "service/decision_schema.hpp"

namespace fraud::service {

namespace {

stored_version version_row(const sqlite_statement& st, bool with_text) {
  stored_version v;
  v.version = static_cast<std::uint64_t>(st.int64(0));
  v.author = st.text(1);
  v.reason = st.text(2);
  v.created_at_ms = st.int64(3);
  v.rules = static_cast<std::uint32_t>(st.int64(4));
  v.signer = st.text(5);
  if (with_text)
    v.text = st.text(6);
  return v;
}

stored_activation activation_row(const sqlite_statement& st) {
  return stored_activation{static_cast<std::uint64_t>(st.int64(0)),
                           st.text(1),  st.text(2), st.int64(3),
                           st.text(4),  st.text(5)};
}

// Every row of `st` through `row`; an error when stepping fails.
template <class Row>
fraud::error each_row(sqlite_connection& db, sqlite_statement& st, const char* what,
                    Row row) {
  int rc;
  while ((rc = st.step()) == SQLITE_ROW)
    row(st);
  if (rc != SQLITE_DONE)
    return db.error(what);
  return fraud::error{};
}

} // namespace

fraud::expected<std::unique_ptr<rules_db>>
rules_db::open(const std::string& path, versioned kind) {
  auto db = open_migrated(path);
  if (!db)
    return db.error();
  std::unique_ptr<rules_db> self{new rules_db};
  self->db_ = std::move(*db);
  self->kind_ = kind;
  return self;
}

std::string rules_db::sql(std::string_view text) const {
  // The rates' and the models' tables are the rules' under other names
  // (schema steps 6 and 8).
  static const char* const names[][3] = {
    {"rule_versions", "rule_activations", "rules"},
    {"rate_versions", "rate_activations", "currencies"},
    {"model_versions", "model_activations", "trees"}};
  auto& named = names[static_cast<int>(kind_)];
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    auto brace = text.find('{', i);
    if (brace == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, brace - i));
    auto end = text.find('}', brace);
    auto name = text.substr(brace + 1, end - brace - 1);
    if (name == "versions")
      out += named[0];
    else if (name == "activations")
      out += named[1];
    else
      out += named[2];  // {count}
    i = end + 1;
  }
  return out;
}

fraud::error rules_db::run(sqlite_statement& st, const char* what) {
  if (st.step() != SQLITE_DONE)
    return db_->error(what);
  return fraud::error{};
}

fraud::expected<std::uint64_t> rules_db::add_version(const std::string& text,
                                                      std::uint32_t rules,
                                                      const signature& who) {
  auto st = db_->prepare(sql("INSERT INTO {versions}(text, author, reason, "
                             "created_at_ms, {count}, signer) VALUES "
                             "(?, ?, ?, ?, ?, ?)"));
  if (!st)
    return st.error();
  st->bind(1, text);
  st->bind(2, who.author);
  st->bind(3, who.reason);
  st->bind(4, who.at_ms);
  st->bind(5, std::int64_t{rules});
  st->bind(6, who.signer);
  if (auto err = run(*st, "storing a rule version"))
    return err;
  return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_->get()));
}

fraud::error rules_db::add_version_as(std::uint64_t version,
                                      const std::string& text,
                                      std::uint32_t rules,
                                      const signature& who) {
  auto st = db_->prepare(sql("INSERT INTO {versions}(version, text, author, "
                             "reason, created_at_ms, {count}, signer) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  if (!st)
    return st.error();
  st->bind(1, static_cast<std::int64_t>(version));
  st->bind(2, text);
  st->bind(3, who.author);
  st->bind(4, who.reason);
  st->bind(5, who.at_ms);
  st->bind(6, std::int64_t{rules});
  st->bind(7, who.signer);
  return run(*st, "storing a rule version");
}

fraud::expected<std::uint64_t> rules_db::max_version() {
  auto st = db_->prepare(
    sql("SELECT coalesce(max(version), 0) FROM {versions}"));
  if (!st)
    return st.error();
  std::uint64_t out = 0;
  if (auto err = each_row(*db_, *st, "reading the last rule version",
                          [&](auto& row) {
                            out = static_cast<std::uint64_t>(row.int64(0));
                          }))
    return err;
  return out;
}

fraud::error rules_db::activate(std::uint64_t version,
                                 const std::string& kind,
                                 const signature& who) {
  auto st = db_->prepare(sql("INSERT INTO {activations}(version, author, "
                             "reason, activated_at_ms, kind, signer) VALUES "
                             "(?, ?, ?, ?, ?, ?)"));
  if (!st)
    return st.error();
  st->bind(1, static_cast<std::int64_t>(version));
  st->bind(2, who.author);
  st->bind(3, who.reason);
  st->bind(4, who.at_ms);
  st->bind(5, kind);
  st->bind(6, who.signer);
  return run(*st, "storing a rule activation");
}

fraud::expected<std::optional<stored_version>>
rules_db::version(std::uint64_t v) {
  auto st = db_->prepare(sql("SELECT version, author, reason, "
                             "created_at_ms, {count}, signer, text FROM "
                             "{versions} WHERE version = ?"));
  if (!st)
    return st.error();
  st->bind(1, static_cast<std::int64_t>(v));
  std::optional<stored_version> out;
  if (auto err = each_row(*db_, *st, "reading a rule version",
                          [&](auto& row) { out = version_row(row, true); }))
    return err;
  return out;
}

fraud::expected<std::uint64_t> rules_db::find_text(const std::string& text) {
  auto st = db_->prepare(
    sql("SELECT max(version) FROM {versions} WHERE text = ?"));
  if (!st)
    return st.error();
  st->bind(1, text);
  std::uint64_t out = 0;
  if (auto err = each_row(*db_, *st, "looking up a rule text", [&](auto& row) {
        out = static_cast<std::uint64_t>(row.int64(0));
      }))
    return err;
  return out;
}

fraud::expected<std::optional<stored_activation>>
rules_db::last_activation() {
  auto all = activations(1);
  if (!all)
    return all.error();
  if (all->empty())
    return std::optional<stored_activation>{};
  return std::optional<stored_activation>{all->front()};
}

fraud::expected<std::vector<stored_version>>
rules_db::versions(std::uint32_t limit) {
  auto st = db_->prepare(sql("SELECT version, author, reason, "
                             "created_at_ms, {count}, signer FROM {versions} "
                             "ORDER BY version DESC LIMIT ?"));
  if (!st)
    return st.error();
  st->bind(1, std::int64_t{limit});
  std::vector<stored_version> out;
  if (auto err = each_row(*db_, *st, "listing rule versions", [&](auto& row) {
        out.push_back(version_row(row, false));
      }))
    return err;
  return out;
}

fraud::expected<std::vector<stored_activation>>
rules_db::activations(std::uint32_t limit) {
  auto st = db_->prepare(sql("SELECT version, author, reason, "
                             "activated_at_ms, kind, signer FROM "
                             "{activations} ORDER BY id DESC LIMIT ?"));
  if (!st)
    return st.error();
  st->bind(1, std::int64_t{limit});
  std::vector<stored_activation> out;
  if (auto err = each_row(*db_, *st, "listing rule activations",
                          [&](auto& row) {
                            out.push_back(activation_row(row));
                          }))
    return err;
  return out;
}

fraud::expected<std::size_t>
rules_db::change_list(const std::string& list,
                         const std::vector<std::string>& values, bool add,
                         const signature& who) {
  auto change = db_->prepare(
    add ? "INSERT OR IGNORE INTO list_entries(list, value, author, reason, "
          "added_at_ms, signer) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        : "DELETE FROM list_entries WHERE list = ?1 AND value = ?2");
  auto log = db_->prepare("INSERT INTO list_changes(list, value, change, "
                          "author, reason, at_ms, signer) VALUES "
                          "(?, ?, ?, ?, ?, ?, ?)");
  if (!change)
    return change.error();
  if (!log)
    return log.error();
  if (auto err = db_->exec("BEGIN IMMEDIATE"))
    return err;
  std::size_t changed = 0;
  for (auto& value : values) {
    change->bind(1, list);
    change->bind(2, value);
    if (add) {
      change->bind(3, who.author);
      change->bind(4, who.reason);
      change->bind(5, who.at_ms);
      change->bind(6, who.signer);
    }
    auto err = run(*change, "changing a list");
    change->reset();
    if (err) {
      db_->rollback();
      return err;
    }
    if (sqlite3_changes(db_->get()) == 0)
      continue;  // already in, or already out
    ++changed;
    log->bind(1, list);
    log->bind(2, value);
    log->bind(3, add ? "add" : "remove");
    log->bind(4, who.author);
    log->bind(5, who.reason);
    log->bind(6, who.at_ms);
    log->bind(7, who.signer);
    err = run(*log, "logging a list change");
    log->reset();
    if (err) {
      db_->rollback();
      return err;
    }
  }
  if (auto err = db_->exec("COMMIT")) {
    db_->rollback();
    return err;
  }
  return changed;
}

fraud::expected<models::rules::named_lists::map_type> rules_db::lists() {
  auto st = db_->prepare("SELECT list, value FROM list_entries");
  if (!st)
    return st.error();
  models::rules::named_lists::map_type out;
  if (auto err = each_row(*db_, *st, "reading lists", [&](auto& row) {
        out[row.text(0)].push_back(row.text(1));
      }))
    return err;
  return out;
}

fraud::expected<stored_list_page>
rules_db::list_entries(const std::string& list, const std::string& cursor,
                       std::uint32_t limit, std::size_t max_bytes) {
  // The primary key (list, value) gives the order and the start; one row
  // more than asked tells whether there is a next page.
  auto st = db_->prepare("SELECT value, author, reason, added_at_ms, "
                         "signer FROM list_entries WHERE list = ? AND "
                         "value > ? ORDER BY value LIMIT ?");
  if (!st)
    return st.error();
  st->bind(1, list);
  st->bind(2, cursor);
  st->bind(3, std::int64_t{limit} + 1);
  stored_list_page out;
  std::size_t bytes = 0;
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    stored_list_entry e{st->text(0), st->text(1), st->text(2), st->int64(3),
                        st->text(4)};
    // the text, and room for the timestamp and protobuf framing
    bytes += e.value.size() + e.author.size() + e.reason.size()
             + e.signer.size() + 24;
    if (out.entries.size() == limit
        || (max_bytes > 0 && bytes > max_bytes && !out.entries.empty())) {
      out.next_cursor = out.entries.back().value;
      return out;
    }
    out.entries.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE)
    return db_->error("reading a list");
  return out;
}

protocol::rules_version version_info(const stored_version& v,
                                     std::string name,
                                     std::uint64_t running) {
  return protocol::rules_version{v.version,       std::move(name),
                                 v.author,        v.reason,
                                 v.created_at_ms, v.rules,
                                 v.version == running, v.signer};
}

fraud::expected<start_choice> choose_start(rules_db& store,
                                           const std::string& file,
                                           const std::string& option,
                                           std::string_view builtin,
                                           const std::string& builtin_name,
                                           const std::string& what) {
  start_choice c;
  c.who = signature{"fraudd", "", wall_ms(), ""};
  if (!file.empty()) {
    std::ifstream in{file};
    if (!in)
      return make_error(ec::config_error, "cannot read " + option + " " + file);
    std::ostringstream buf;
    buf << in.rdbuf();
    c.text = buf.str();
    c.who.reason = option + " " + file + " at start";
  } else if (auto last = store.last_activation(); !last) {
    return last.error();
  } else if (*last) {
    auto v = store.version((*last)->version);
    if (!v)
      return v.error();
    if (!*v)
      return make_error(ec::store_error, "the running " + what + " "
                                           + std::to_string((*last)->version)
                                           + " is missing");
    c.version = (*v)->version;
    c.text = (*v)->text;
    c.ran_last = true;
  } else {
    c.text = std::string{builtin};
    c.who.reason = builtin_name;
  }
  if (c.version == 0) {
    auto found = store.find_text(c.text);
    if (!found)
      return found.error();
    c.version = *found;
  }
  return c;
}

fraud::error activate_once(rules_db& store, std::uint64_t version,
                           const std::string& kind, const signature& who) {
  auto last = store.last_activation();
  if (!last)
    return last.error();
  if (*last && (*last)->version == version
      && (*last)->activated_at_ms == who.at_ms && (*last)->kind == kind)
    return {};
  return store.activate(version, kind, who);
}

fraud::error keep_start(rules_db& store, start_choice& c,
                        std::uint32_t count) {
  if (c.ran_last)
    return {};
  if (c.version == 0) {
    auto added = store.add_version(c.text, count, c.who);
    if (!added)
      return added.error();
    c.version = *added;
  }
  auto last = store.last_activation();
  if (!last)
    return last.error();
  if (!*last || (*last)->version != c.version)
    return store.activate(c.version, "start", c.who);
  return {};
}

} // namespace fraud::service
