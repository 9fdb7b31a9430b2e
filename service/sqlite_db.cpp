#include "service/sqlite_db.hpp"

#include "service/error.hpp"

namespace fraud::service {

caf::expected<std::unique_ptr<sqlite_db>>
sqlite_db::open(const std::string& path, bool writable) {
  std::unique_ptr<sqlite_db> self{new sqlite_db};
  int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                       : SQLITE_OPEN_READONLY;
  flags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &self->db_, flags, nullptr) != SQLITE_OK)
    return self->error("cannot open " + path);
  sqlite3_busy_timeout(self->db_, 5000);
  if (writable) {
    // WAL: readers never block the writer. synchronous=NORMAL: a commit
    // survives a crash of the process; an OS crash or power loss can take
    // back the last commits (documented in the README).
    // A 64 MiB page cache keeps the indexes' hot pages in memory, and a
    // checkpoint (which syncs the file) every 64 MiB of log instead of 4:
    // batched inserts were bound by both.
    if (auto err = self->exec("PRAGMA journal_mode=WAL;"
                              "PRAGMA synchronous=NORMAL;"
                              "PRAGMA foreign_keys=ON;"
                              "PRAGMA cache_size=-65536;"
                              "PRAGMA temp_store=MEMORY;"
                              "PRAGMA wal_autocheckpoint=16384;"))
      return err;
  }
  return self;
}

sqlite_db::~sqlite_db() {
  sqlite3_close_v2(db_);
}

caf::error sqlite_db::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string what = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return make_error(ec::store_error, what + " in: " + sql.substr(0, 80));
  }
  return caf::none;
}

caf::expected<sqlite_statement> sqlite_db::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr)
      != SQLITE_OK)
    return error("cannot prepare '" + sql.substr(0, 80) + "'");
  return sqlite_statement{stmt};
}

caf::error sqlite_db::prepare(sqlite_statement& st, const std::string& sql) {
  auto p = prepare(sql);
  if (!p)
    return p.error();
  st = std::move(*p);
  return caf::none;
}

caf::error sqlite_db::error(const std::string& what) const {
  return make_error(ec::store_error,
                    what + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

caf::expected<std::int64_t> sqlite_db::user_version() {
  auto st = prepare("PRAGMA user_version");
  if (!st)
    return st.error();
  if (st->step() != SQLITE_ROW)
    return error("reading user_version");
  return st->int64(0);
}

} // namespace fraud::service
