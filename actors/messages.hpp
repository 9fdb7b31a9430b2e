// Messages between the service and the actors, and the typed handles of
// every actor, declared together.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "models/card_state.hpp"
#include "models/entity_state.hpp"
#include "models/transaction.hpp"

namespace fraud::actors {

using score_atom = caf::atom_constant<caf::atom("score")>;
using summary_atom = caf::atom_constant<caf::atom("summary")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using handoff_atom = caf::atom_constant<caf::atom("handoff")>;
using observe_atom = caf::atom_constant<caf::atom("observe")>;
using declined_atom = caf::atom_constant<caf::atom("declined")>;
using fold_atom = caf::atom_constant<caf::atom("fold")>;

/// A validated transaction on its way to its card's actor.
struct score_request {
  models::transaction tx;
  std::string reply_to;          // empty: no reply wanted
  std::int64_t received_ns = 0;  // steady clock, when the bytes arrived
};

/// One card: scores its transactions in arrival order, and tells what it
/// knows about its card. passivate: its snapshot is queued already, so it
/// just stops. handoff: the same, answered, for a successor that must not
/// load the card's state before this actor is gone.
using card_actor = caf::typed_actor<
  caf::reacts_to<score_atom, score_request>,
  caf::replies_to<summary_atom>::with<models::card_summary>,
  caf::reacts_to<passivate_atom>,
  caf::replies_to<handoff_atom>::with<bool>>;

struct entity_probe;

/// One device, IP address or merchant: observe records a transaction's use
/// of it and adds the entity's view to the probe, then passes the probe on
/// to the next entity of the transaction (delegating the answer) or, the
/// last, answers the card with every view. declined: one of its
/// transactions was (its event time). fold: a use another instance of a
/// cluster observed (and whether it was declined), recorded as observe
/// records one, with no view to give.
using entity_actor = caf::typed_actor<
  caf::replies_to<observe_atom, entity_probe>::with<entity_probe>,
  caf::reacts_to<declined_atom, std::int64_t>,
  caf::reacts_to<fold_atom, models::entity_use, bool>,
  caf::reacts_to<passivate_atom>>;

/// A transaction on its way through the actors of the entities it names,
/// in the order device, IP address, merchant (a missing one is skipped),
/// collecting their views for its card.
struct entity_probe {
  std::array<entity_actor, models::entity_kinds> route;
  std::uint8_t next = 0;  // the route's next entry to visit
  models::entity_use use;
  std::array<models::entity_view, models::entity_kinds> views;
};

/// The decision store: drains the store queue into the backend on every
/// tick; flush writes everything queued now (at shutdown: within a bound)
/// and answers with the number of decisions written since start.
using decision_store_actor = caf::typed_actor<
  caf::reacts_to<tick_atom>,
  caf::replies_to<flush_atom>::with<std::uint64_t>>;

/// Card snapshots: the writer writes pending snapshots every interval,
/// and flush writes them now and answers with the number written since
/// start; flush with a group writes only the pending snapshots of that
/// group's cards (snapshot_environment::group_of: in a cluster, a
/// partition, at its handover). (Cards read their own snapshot:
/// actors/runtime/pending_snapshots.hpp.)

using snapshot_writer_actor = caf::typed_actor<
  caf::reacts_to<tick_atom>,
  caf::replies_to<flush_atom>::with<std::uint64_t>,
  caf::replies_to<flush_atom, std::uint32_t>::with<std::uint64_t>>;

} // namespace fraud::actors

// Local delivery only: these never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(fraud::actors::score_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(fraud::models::card_summary)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(fraud::actors::entity_probe)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(fraud::models::entity_use)
