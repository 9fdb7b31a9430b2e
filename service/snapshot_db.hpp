// Card snapshots in SQLite: a file of its own (not the decisions file), so
// that snapshot writes and decision writes never wait for each other's
// write lock. One row per card, replaced on every write.
#pragma once

#include <memory>
#include <string>

#include "actors/snapshot_backend.hpp"
#include "service/sqlite_db.hpp"

namespace fraud::service {

class snapshot_db final : public actors::snapshot_backend {
public:
  static caf::expected<std::unique_ptr<snapshot_db>>
  open(const std::string& path);

  caf::error
  write(const std::vector<std::pair<std::string_view, std::string_view>>&
          snapshots) override;
  caf::expected<std::string> read(const std::string& card_id) override;
  caf::error erase(const std::string& card_id) override;
  caf::error
  for_each_card(const std::function<void(std::string_view)>& f) override;

private:
  snapshot_db() = default;
  std::unique_ptr<sqlite_db> db_;
  sqlite_statement upsert_;
  sqlite_statement read_;
  sqlite_statement erase_;
};

/// The snapshot file that goes with a decisions file: fraud.db ->
/// fraud-cards.db.
std::string default_state_path(const std::string& db_path);

} // namespace fraud::service
