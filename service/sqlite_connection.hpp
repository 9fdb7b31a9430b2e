// Thin RAII over the SQLite C API: a connection and prepared statements,
// with errors as fraud::error. A connection belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/error.hpp"
#include <sqlite3.h>

namespace fraud::service {

class sqlite_statement {
public:
  sqlite_statement() = default;
  explicit sqlite_statement(sqlite3_stmt* s) : stmt_(s) {
  }
  ~sqlite_statement() { sqlite3_finalize(stmt_); }
  sqlite_statement(sqlite_statement&& other) noexcept : stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  sqlite_statement& operator=(sqlite_statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }

  sqlite3_stmt* get() const { return stmt_; }

  // Binding: index from 1, as in SQLite. Text and blobs are copied only
  // when `transient`; otherwise they must outlive the step.
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, std::string_view v, bool transient = false) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      transient ? SQLITE_TRANSIENT : SQLITE_STATIC);
  }
  void bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_STATIC);
  }

  /// SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t int64(int col) const {
    return sqlite3_column_int64(stmt_, col);
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string{reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col))}
             : std::string{};
  }
  std::string_view blob(int col) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string_view{p, static_cast<size_t>(
                                     sqlite3_column_bytes(stmt_, col))}
             : std::string_view{};
  }

private:
  sqlite3_stmt* stmt_ = nullptr;
};

class sqlite_connection {
public:
  /// Opens (creating if `writable`) the database at path, in WAL mode.
  static fraud::expected<std::unique_ptr<sqlite_connection>>
  open(const std::string& path, bool writable);

  ~sqlite_connection();
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  sqlite3* get() const { return db_; }

  fraud::error exec(const std::string& sql);

  /// Ends an open transaction after a failure. Best effort: the failure
  /// that led here is the one the caller reports, and a transaction that
  /// cannot be rolled back is rolled back by SQLite when it next opens.
  void rollback();
  fraud::expected<sqlite_statement> prepare(const std::string& sql);

  /// prepare() into `st`, for the statements an object keeps.
  fraud::error prepare(sqlite_statement& st, const std::string& sql);

  /// The one blob a keyed lookup finds: steps `st`, a statement selecting
  /// one blob column with its key as parameter 1, for `key`. "" when no
  /// row matches (an empty blob reads the same: no caller stores one).
  /// `st` is reset for its next use either way. A failure says what was
  /// being done and the key: "<doing> <key>: <SQLite's words>".
  fraud::expected<std::string> lookup_blob(sqlite_statement& st,
                                           std::string_view key,
                                           std::string_view doing);

  /// Runs `st`, a statement that returns no rows (an insert, update or
  /// delete, its parameters bound), once, and resets it for its next use.
  /// A failure says what was being done and to what: "<doing> <key>:
  /// <SQLite's words>" (the words made only then).
  fraud::error run(sqlite_statement& st, std::string_view doing,
                   std::string_view key = {});

  /// The last error of this connection, in words, prefixed by `what`.
  fraud::error error(const std::string& what) const;

  fraud::expected<std::int64_t> user_version();

  /// Runs `f` when the connection closes, before SQLite closes it (last
  /// registered first): what keeps statements of its own (an SQL
  /// function's) finalises them there.
  void before_close(std::function<void()> f) {
    before_close_.push_back(std::move(f));
  }

private:
  sqlite_connection() = default;
  sqlite3* db_ = nullptr;
  std::vector<std::function<void()>> before_close_;
};

/// Checks, before a service writes to it, that the database at `path` is
/// one SQLite can use: the header and the schema are readable, and, for a
/// file of at most `full_check_max_bytes`, PRAGMA quick_check finds every
/// page sound (about 0.6 s per 250 MB here; a bigger file gets only the
/// header and schema check, and a log line saying so). A missing file is
/// fine: it is created. The error names the file and what is wrong.
fraud::error check_database(const std::string& path,
                            std::uint64_t full_check_max_bytes);

} // namespace fraud::service
