// Card snapshots in SQLite: a file of its own (not the decisions file), so
// that snapshot writes and decision writes never wait for each other's
// write lock. One row per card, replaced on every write.
#pragma once

#include <memory>
#include <string>

#include "actors/snapshot_backend.hpp"
#include "service/per_thread.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

class snapshot_db final : public actors::snapshot_backend {
public:
  static fraud::expected<std::unique_ptr<snapshot_db>>
  open(const std::string& path);

  fraud::error
  write(const std::vector<std::pair<std::string_view, std::string_view>>&
          snapshots) override;
  fraud::expected<std::string> read(const std::string& card_id) override;
  fraud::error erase(const std::string& card_id) override;
  fraud::error
  for_each_card(const std::function<void(std::string_view)>& f) override;

  /// Caps this connection's page cache (KiB).
  fraud::error limit_cache(int kib);

private:
  snapshot_db() = default;
  std::unique_ptr<sqlite_connection> db_;
  // write()'s batch in card order (kept: its capacity is reused)
  std::vector<std::pair<std::string_view, std::string_view>> sorted_;
  sqlite_statement upsert_;
  sqlite_statement read_;
  sqlite_statement erase_;
};

/// Snapshot reads from any thread, for cards reading their own state as
/// they activate: each calling thread gets a connection of its own, opened
/// on its first read and closed with the pool, so a read never waits for
/// another thread (and, in WAL mode, never for the writer). Read-only.
class snapshot_read_pool final : public actors::snapshot_backend {
public:
  explicit snapshot_read_pool(std::string path);

  fraud::expected<std::string> read(const std::string& card_id) override;
  fraud::error
  write(const std::vector<std::pair<std::string_view, std::string_view>>&)
    override;
  fraud::error erase(const std::string& card_id) override;
  fraud::error
  for_each_card(const std::function<void(std::string_view)>& f) override;

private:
  per_thread<snapshot_db> conns_;
};

/// The snapshot file that goes with a decisions file: fraud.db ->
/// fraud-cards.db.
std::string default_state_path(const std::string& db_path);

} // namespace fraud::service
