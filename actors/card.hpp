// The card actor: one per card, holding that card's history and scoring its
// transactions one at a time, in the order they arrive.
#pragma once

#include "actors/runtime/card_filter.hpp"
#include "actors/counters.hpp"
#include "actors/decision_sink.hpp"
#include "actors/messages.hpp"
#include "actors/runtime/card_cell.hpp"
#include "actors/runtime/ruleset_slot.hpp"
#include "actors/runtime/store_queue.hpp"

namespace fraud::actors {

class decision_reads;
class entity_directory;
class entity_outbox;
class pending_snapshots;
class snapshot_backend;

/// What every card actor shares, owned by the service and outliving every
/// card actor. All members are thread-safe.
struct card_environment {
  decision_sink* sink = nullptr;
  const ruleset_slot* rules = nullptr;
  counters* stats = nullptr;
  /// Where a re-sent transaction finds its first decision when the card no
  /// longer holds it (made before the card was passivated), and the queue
  /// of decisions not yet written there. Without them a re-send the card
  /// does not remember is scored.
  decision_reads* decisions = nullptr;
  const store_queue* decision_queue = nullptr;
  /// Decisions a card keeps in memory for re-sends (its latest ones).
  std::size_t resend_memory = 2;
  /// Write-behind of card state; without them cards live only in memory.
  /// A card marks its state dirty in `pending` (encoded by the snapshot
  /// writer once per interval) and queues its snapshot itself when it is
  /// passivated. An activating card reads its last state (on its own
  /// thread) from the snapshots not yet written, then `snapshot_reads`,
  /// which must be callable from any thread.
  store_queue* snapshot_queue = nullptr;
  pending_snapshots* pending = nullptr;
  snapshot_backend* snapshot_reads = nullptr;
  /// Which cards may have a snapshot; without one (a cluster, where
  /// another instance may have written any card) every activation reads.
  card_filter* filter = nullptr;
  /// The exchange rates; without them, the built-in ones.
  const rates_slot* rates = nullptr;
  /// The actors of devices, IP addresses and merchants; without it the
  /// rules see their features as 0.
  entity_directory* entities = nullptr;
  /// In a cluster, where the entity observations of this instance's cards
  /// go for the other instances; without it (alone) nothing is shared.
  entity_outbox* outbox = nullptr;
};

/// How a card actor starts.
struct card_activation {
  std::string card_id;
  bool restore = false;    // read its last state before the first transaction
  card_actor predecessor;  // an actor of the same card still stopping
  card_cell_ptr cell;      // its state, made by the directory (or by the
                           // actor when null)
};

struct card_actor_state {
  // The card's state, recent ids and decisions, shared with the snapshot
  // writer, which encodes it when it is dirty (runtime/card_cell.hpp).
  card_cell_ptr cell;
  static inline const char* name = "card";
};

card_actor::behavior_type
card(card_actor::stateful_pointer<card_actor_state> self,
     const card_environment* env, card_activation activation);

/// Decides `request` for the card of `cell` on the calling thread, as the
/// card actor's score handler would, if the card's actor has nothing
/// waiting (cell.queued is 0: no transaction of it in the mailbox or being
/// decided, its state restored) and the transaction needs no entity actor
/// (those answer the card's own requests). Returns false, doing nothing,
/// otherwise: the caller sends it to the actor.
///
/// Only the card directory's owner thread calls it, the one thread that
/// routes the card (and raises cell.queued): one transaction at a time per
/// card, in routing order. The actor's other handlers (a query's summary,
/// passivation) may run meanwhile on another thread; the cell's lock keeps
/// them apart, as it keeps the snapshot writer.
bool score_for_idle_card(card_cell& cell, const card_environment& env,
                         const score_request& request);

} // namespace fraud::actors
