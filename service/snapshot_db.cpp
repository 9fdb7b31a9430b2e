#include "service/snapshot_db.hpp"

#include <algorithm>

#include "service/client/clock.hpp"
#include "models/error.hpp"

namespace fraud::service {

namespace {

constexpr std::int64_t snapshot_schema_version = 1;

const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS cards (
  card_id TEXT PRIMARY KEY,
  snapshot BLOB NOT NULL,
  updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

} // namespace

std::string default_state_path(const std::string& db_path) {
  auto slash = db_path.rfind('/');
  auto dot = db_path.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    return db_path.substr(0, dot) + "-cards" + db_path.substr(dot);
  return db_path + "-cards";
}

fraud::expected<std::unique_ptr<snapshot_db>>
snapshot_db::open(const std::string& path) {
  std::unique_ptr<snapshot_db> self{new snapshot_db};
  auto db = sqlite_connection::open(path, true);
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  auto version = self->db_->user_version();
  if (!version)
    return version.error();
  if (*version > snapshot_schema_version)
    return make_error(ec::store_error,
                      path + " has card snapshot schema "
                        + std::to_string(*version)
                        + ", newer than this fraudd understands");
  if (*version < snapshot_schema_version) {
    if (auto err = self->db_->exec(
          std::string{schema} + "PRAGMA user_version="
          + std::to_string(snapshot_schema_version) + ";"))
      return err;
  }
  auto prep = [&](sqlite_statement& st, const char* sql) {
    return self->db_->prepare(st, sql);
  };
  if (auto err = prep(self->upsert_,
                      "INSERT INTO cards(card_id, snapshot, updated_at_ms) "
                      "VALUES (?, ?, ?) ON CONFLICT(card_id) DO UPDATE SET "
                      "snapshot = excluded.snapshot, updated_at_ms = "
                      "excluded.updated_at_ms"))
    return err;
  if (auto err = prep(self->read_,
                      "SELECT snapshot FROM cards WHERE card_id = ?"))
    return err;
  if (auto err = prep(self->erase_, "DELETE FROM cards WHERE card_id = ?"))
    return err;
  return self;
}

fraud::error snapshot_db::write(
  const std::vector<std::pair<std::string_view, std::string_view>>& rows) {
  // In card order: the b-tree is walked from left to right and each page
  // of neighbouring cards is found in the cache once, instead of one
  // random descent a card (bench/snapshot_write_bench; BENCHMARKS.md).
  // Stable: were a card twice in a batch, its last still wins.
  sorted_.assign(rows.begin(), rows.end());
  std::stable_sort(sorted_.begin(), sorted_.end(),
                   [](auto& x, auto& y) { return x.first < y.first; });
  if (auto err = db_->exec("BEGIN"))
    return err;
  auto now = wall_ms();
  for (auto& [card, bytes] : sorted_) {
    upsert_.bind(1, card);
    upsert_.bind_blob(2, bytes);
    upsert_.bind(3, now);
    if (auto err = db_->run(upsert_, "writing the snapshot of", card)) {
      db_->rollback();
      return err;
    }
  }
  if (auto err = db_->exec("COMMIT")) {
    db_->rollback();
    return err;
  }
  return fraud::error{};
}

fraud::expected<std::string> snapshot_db::read(const std::string& card_id) {
  return db_->lookup_blob(read_, card_id, "reading the snapshot of");
}

fraud::error snapshot_db::limit_cache(int kib) {
  return db_->exec("PRAGMA cache_size=-" + std::to_string(kib));
}

fraud::error snapshot_db::erase(const std::string& card_id) {
  erase_.bind(1, card_id);
  return db_->run(erase_, "erasing the snapshot of", card_id);
}

fraud::error
snapshot_db::for_each_card(const std::function<void(std::string_view)>& f) {
  auto st = db_->prepare("SELECT card_id FROM cards");
  if (!st)
    return st.error();
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    auto* p = sqlite3_column_text(st->get(), 0);
    auto n = sqlite3_column_bytes(st->get(), 0);
    f(std::string_view{reinterpret_cast<const char*>(p),
                       static_cast<std::size_t>(n)});
  }
  if (rc != SQLITE_DONE)
    return db_->error("listing card snapshots");
  return fraud::error{};
}

snapshot_read_pool::snapshot_read_pool(std::string path)
  : conns_([path = std::move(path)]()
             -> fraud::expected<std::unique_ptr<snapshot_db>> {
      auto db = snapshot_db::open(path);
      if (!db)
        return db.error();
      // One primary-key read per activation: a small page cache per
      // thread (the OS caches the file), not the writer's 64 MiB each.
      if (auto err = (*db)->limit_cache(8 * 1024))
        return err;
      return std::move(*db);
    }) {
}

fraud::expected<std::string>
snapshot_read_pool::read(const std::string& card_id) {
  auto conn = conns_.get();
  if (!conn)
    return conn.error();
  return (*conn)->read(card_id);
}

namespace {
fraud::error read_only() {
  return make_error(ec::store_error, "the snapshot read pool is read-only");
}
} // namespace

fraud::error snapshot_read_pool::write(
  const std::vector<std::pair<std::string_view, std::string_view>>&) {
  return read_only();
}

fraud::error snapshot_read_pool::erase(const std::string&) {
  return read_only();
}

fraud::error snapshot_read_pool::for_each_card(
  const std::function<void(std::string_view)>&) {
  return read_only();
}

} // namespace fraud::service
