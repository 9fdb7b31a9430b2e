// Where card actors hand their decisions: the outside world (NATS, the
// store) as the actors see it, given to them at spawn.
#pragma once

#include "actors/messages.hpp"
#include "models/decision.hpp"

namespace fraud::actors {

class decision_sink {
public:
  virtual ~decision_sink() = default;

  /// Called once per scored transaction, on the card actor's worker thread.
  /// Implementations must be thread-safe and must not block for long.
  virtual void deliver(const models::decision& d,
                       const score_request& request) = 0;
};

} // namespace fraud::actors
