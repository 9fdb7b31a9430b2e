// Messages between the service and the actors, and the typed handles of
// every actor, declared together.
#pragma once

#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "models/transaction.hpp"

namespace fraud::actors {

using score_atom = caf::atom_constant<caf::atom("score")>;

/// A validated transaction on its way to its card's actor.
struct score_request {
  models::transaction tx;
  std::string reply_to;          // empty: no reply wanted
  std::int64_t received_ns = 0;  // steady clock, when the bytes arrived
};

/// One card: scores its transactions in arrival order.
using card_actor = caf::typed_actor<caf::reacts_to<score_atom, score_request>>;

} // namespace fraud::actors

// Local delivery only: a score_request never leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(fraud::actors::score_request)
