// Where card snapshots persist, as the actors see it. Implemented over
// SQLite by the service: the snapshot writer's backend is called from its
// own thread only (for_each_card: before any actor runs); the one given to
// card actors for reads (card_environment::snapshot_reads) is called from
// whichever thread a card activates on, and must be safe for that.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/error.hpp"

namespace fraud::actors {

class snapshot_backend {
public:
  virtual ~snapshot_backend() = default;

  /// Writes (card_id, snapshot) pairs in one transaction, replacing what
  /// a card had.
  virtual fraud::error
  write(const std::vector<std::pair<std::string_view, std::string_view>>&
          snapshots) = 0;

  /// The snapshot of a card, or "" when it has none.
  virtual fraud::expected<std::string> read(const std::string& card_id) = 0;

  /// Deletes a card's snapshot (a corrupted one, once reported).
  virtual fraud::error erase(const std::string& card_id) = 0;

  /// Calls f with every card id that has a snapshot.
  virtual fraud::error
  for_each_card(const std::function<void(std::string_view)>& f) = 0;
};

} // namespace fraud::actors
