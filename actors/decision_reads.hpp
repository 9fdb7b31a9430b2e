// Where a card looks up the first decision of a re-sent transaction that
// its own memory (models::recent_decisions) no longer holds: a decision
// made before the card was last passivated. Implemented over SQLite by the
// service with a read connection per calling thread (WAL: never waiting
// for the writer), so the look-up costs one primary-key read on the card's
// own thread and does not depend on how much the store has queued.
#pragma once

#include <string>

#include "models/error.hpp"

namespace fraud::actors {

class decision_reads {
public:
  virtual ~decision_reads() = default;

  /// The first encoded decision for tx_id, or "" if none is stored.
  /// Callable from any thread.
  virtual fraud::expected<std::string> find(const std::string& tx_id) = 0;
};

} // namespace fraud::actors
