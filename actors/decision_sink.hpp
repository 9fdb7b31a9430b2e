// Where card actors hand their decisions: the outside world (NATS, the
// store) as the actors see it, given to them at spawn.
#pragma once

#include <string_view>

#include "actors/messages.hpp"
#include "models/decision.hpp"
#include "models/error.hpp"

namespace fraud::actors {

class decision_sink {
public:
  virtual ~decision_sink() = default;

  /// Called once per scored transaction, on the thread running the card
  /// actor: with --dispatch inline mostly the ingress thread itself, else a
  /// scheduler worker. Returns the decision as it went out and is stored
  /// (an encoded fraud.v1.Decision), valid until the next call on this
  /// thread: the card keeps it to answer a re-send. Implementations must
  /// be thread-safe and must not block for long: on the ingress thread,
  /// the next transaction waits.
  virtual std::string_view deliver(const models::decision& d,
                                   const score_request& request) = 0;

  /// Answers a re-sent transaction with the first decision made for its
  /// tx_id (encoded, as deliver() returned it). Not published again.
  virtual void deliver_duplicate(std::string_view first_decision,
                                 const score_request& request) = 0;

  /// Answers a transaction that cannot be decided now (its first decision
  /// could not be read) with `why`; the requester may retry.
  virtual void refuse(const fraud::error& why,
                      const score_request& request) = 0;
};

} // namespace fraud::actors
