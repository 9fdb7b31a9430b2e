#include "service/sqlite_connection.hpp"

#include <sys/stat.h>

#include "actors/runtime/log.hpp"
#include "models/error.hpp"

namespace fraud::service {

fraud::expected<std::unique_ptr<sqlite_connection>>
sqlite_connection::open(const std::string& path, bool writable) {
  std::unique_ptr<sqlite_connection> self{new sqlite_connection};
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
                              "PRAGMA wal_autocheckpoint=16384;"
                              // After a checkpoint the log is cut back to
                              // 64 MiB: a WAL that grew while the disk was
                              // full does not keep the space it took.
                              "PRAGMA journal_size_limit=67108864;"))
      return err;
  }
  return self;
}

sqlite_connection::~sqlite_connection() {
  for (auto f = before_close_.rbegin(); f != before_close_.rend(); ++f)
    (*f)();
  sqlite3_close_v2(db_);
}

fraud::error sqlite_connection::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string what = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return make_error(ec::store_error, what + " in: " + sql.substr(0, 80));
  }
  return fraud::error{};
}

void sqlite_connection::rollback() {
  if (sqlite3_get_autocommit(db_) == 0)
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

fraud::expected<sqlite_statement> sqlite_connection::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr)
      != SQLITE_OK)
    return error("cannot prepare '" + sql.substr(0, 80) + "'");
  return sqlite_statement{stmt};
}

fraud::error sqlite_connection::prepare(sqlite_statement& st, const std::string& sql) {
  auto p = prepare(sql);
  if (!p)
    return p.error();
  st = std::move(*p);
  return fraud::error{};
}

fraud::expected<std::string>
sqlite_connection::lookup_blob(sqlite_statement& st, std::string_view key,
                               std::string_view doing) {
  st.bind(1, key);
  std::string out;
  auto rc = st.step();
  if (rc == SQLITE_ROW)
    out = std::string{st.blob(0)};
  st.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return error(std::string{doing} + " " + std::string{key});
  return out;
}

fraud::error sqlite_connection::run(sqlite_statement& st,
                                    std::string_view doing,
                                    std::string_view key) {
  auto rc = st.step();
  st.reset();
  if (rc == SQLITE_DONE)
    return fraud::error{};
  auto what = std::string{doing};
  if (!key.empty())
    what.append(" ").append(key);
  return error(what);
}

fraud::error sqlite_connection::error(const std::string& what) const {
  return make_error(ec::store_error,
                    what + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

fraud::expected<std::int64_t> sqlite_connection::user_version() {
  auto st = prepare("PRAGMA user_version");
  if (!st)
    return st.error();
  if (st->step() != SQLITE_ROW)
    return error("reading user_version");
  return st->int64(0);
}

fraud::error check_database(const std::string& path,
                            std::uint64_t full_check_max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_size == 0)
    return {};  // new: SQLite creates it
  auto refused = [&](const std::string& why) {
    return make_error(ec::store_error,
                      path + " is not a sound SQLite database (" + why
                        + "); fraudd will not write to it: restore it from "
                          "a backup or move it away");
  };
  auto db = sqlite_connection::open(path, false);
  if (!db)
    return refused(to_string(db.error()));
  auto schema = (*db)->prepare("SELECT count(*) FROM sqlite_master");
  if (!schema || schema->step() != SQLITE_ROW)
    return refused((*db)->error("reading the schema").what());
  if (static_cast<std::uint64_t>(st.st_size) > full_check_max_bytes) {
    FRAUD_LOG(warn, "store",
              "{}: {} MB, over the {} MB of a full check at start; only its "
              "header and schema were checked",
              path, st.st_size >> 20, full_check_max_bytes >> 20);
    return {};
  }
  auto check = (*db)->prepare("PRAGMA quick_check(5)");
  if (!check)
    return refused(check.error().what());
  std::string problems;
  int rc;
  while ((rc = check->step()) == SQLITE_ROW) {
    auto line = check->text(0);
    if (line == "ok")
      continue;
    if (!problems.empty())
      problems += "; ";
    problems += line;
  }
  if (rc != SQLITE_DONE)
    return refused((*db)->error("quick_check").what());
  if (!problems.empty())
    return refused(problems);
  return {};
}

} // namespace fraud::service
