#include "actors/card.hpp"

#include <memory>

#include "actors/decision_reads.hpp"
#include "actors/entity.hpp"
#include "actors/runtime/entity_directory.hpp"
#include "actors/runtime/entity_outbox.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/pending_snapshots.hpp"
#include "models/card_snapshot.hpp"
#include "models/scoring.hpp"

namespace fraud::actors {

namespace {

using self_pointer = card_actor::stateful_pointer<card_actor_state>;

void count(counters& stats, models::action a) {
  switch (a) {
    case models::action::approve:
      stats.approved.add();
      break;
    case models::action::review:
      stats.reviewed.add();
      break;
    case models::action::decline:
      stats.declined.add();
      break;
  }
}

// Write-behind: the card's state changed (with cell.lock held). The
// snapshot writer encodes it once per interval, however many transactions
// the card had.
void mark_dirty(card_cell& cell, const card_environment& env) {
  if (env.pending != nullptr && env.snapshot_queue != nullptr)
    env.pending->mark_dirty(cell);
}

// Passivation or a hand-off: the card's newest state queued now, so that
// its next activation finds it; the writer writes it with the interval's.
void queue_snapshot(card_cell& cell, const card_environment& env) {
  if (env.snapshot_queue == nullptr)
    return;
  card_cell::guard guard{cell.lock};
  if (!cell.dirty)
    return;
  thread_local std::string bytes;
  thread_local std::string record;
  cell.encode(bytes);
  encode_snapshot_record(cell.card_id, bytes, record);
  if (!env.snapshot_queue->push(record)) {
    // Still dirty and listed: the writer encodes it with the interval's,
    // but an activation before that reads the older state.
    env.stats->snapshot_dropped.add();
    return;
  }
  env.stats->snapshots_encoded.add();
  cell.dirty = false;
}

models::action score(card_cell& cell, const card_environment& env,
                     const score_request& request,
                     const models::entity_views* entities = nullptr) {
  // One scratch evaluation per thread, so that scoring allocates no
  // evaluation; score_and_apply moves its reason vectors into the decision,
  // so their capacity is not kept (a transaction with no reasons, the
  // usual one, allocates none).
  thread_local models::evaluation scratch;
  auto& rates = env.rates != nullptr ? env.rates->current()
                                     : models::default_rates();
  // Only this card's transactions change the cell, one at a time, always
  // with its lock held: the snapshot writer may be encoding it meanwhile.
  card_cell::guard guard{cell.lock};
  auto decision = models::score_and_apply(cell.card, request.tx,
                                          env.rules->current(), rates,
                                          scratch, entities);
  cell.recent.add(request.tx.tx_id);
  count(*env.stats, decision.action);
  auto sent = env.sink->deliver(decision, request);
  cell.decisions.add(request.tx.tx_id, sent, env.resend_memory);
  mark_dirty(cell, env);
  return decision.action;
}

bool needs_entities(const card_environment& env, const score_request& r) {
  return env.entities != nullptr && models::names_entities(r.tx);
}

// One of the card's transactions sent to the mailbox is decided: the
// directory's owner may decide the next ones itself once none is left.
void decided(card_cell& cell) {
  cell.queued.fetch_sub(1, std::memory_order_release);
}

// In a cluster, the other instances' entity actors hear of the use too
// (and of its decline), after this instance's: the outbox's publisher
// sends it within a few milliseconds (README: "Entity state").
void share(const card_environment& env, const models::transaction& tx,
           const models::entity_use& use, models::action a) {
  if (env.outbox == nullptr)
    return;
  std::array<std::string_view, models::entity_kinds> ids;
  for (std::size_t k = 0; k < models::entity_kinds; ++k)
    ids[k] = models::entity_id(tx, static_cast<models::entity_kind>(k));
  if (!env.outbox->push(use, a == models::action::decline, ids))
    env.stats->entity_observations_dropped.add();
}

// A transaction that names a device, an IP address or (online) a merchant:
// their actors record it and give their views first, and the card handles
// nothing else until they have (await keeps the card's order). An entity
// that stopped meanwhile is counted and left unseen, never a reason to
// refuse. A decline, the entities hear of (for their declined share).
void score_with_entities(self_pointer self, const card_environment* env,
                         score_request&& request) {
  entity_probe probe;
  for (std::size_t k = 0; k < models::entity_kinds; ++k) {
    auto kind = static_cast<models::entity_kind>(k);
    auto id = models::entity_id(request.tx, kind);
    if (!id.empty())
      probe.route[k] = env->entities->find(kind, id, request.received_ns);
  }
  probe.use = models::use_of(request.tx, env->rates != nullptr
                                            ? env->rates->current()
                                            : models::default_rates());
  auto use = probe.use;
  auto first = *actors::first_stop(probe);
  // Held by both handlers, of which one runs: one allocation, no copy.
  auto held = std::make_shared<score_request>(std::move(request));
  self->request(first, caf::infinite, observe_atom::value, std::move(probe))
    .await(
      [self, env, held, use](entity_probe& answer) {
        auto a = score(*self->state.cell, *env, *held, &answer.views);
        decided(*self->state.cell);
        share(*env, held->tx, use, a);
        if (a != models::action::decline)
          return;
        for (auto& e : answer.route)
          if (e)
            self->send(e, declined_atom::value, held->tx.event_time_ms);
      },
      [self, env, held, use](caf::error&) {
        env->stats->entity_misses.add();
        models::entity_views unseen;
        auto a = score(*self->state.cell, *env, *held, &unseen);
        decided(*self->state.cell);
        share(*env, held->tx, use, a);
      });
}

// A transaction whose id the card has seen (or a hash collision with one):
// answered with its first decision, from the card's memory or, for one
// made before the card was passivated, from the store. A re-send is never
// scored again: if the first decision cannot be read it is refused, and
// the requester retries.
void answer_resend(card_cell& cell, const card_environment& env,
                   const score_request& request) {
  if (auto first = cell.decisions.find(request.tx.tx_id)) {
    env.stats->duplicates.add();
    env.sink->deliver_duplicate(*first, request);
    return;
  }
  if (env.decisions == nullptr) {
    score(cell, env, request);  // nothing to ask: memory is all there is
    return;
  }
  auto found = env.decisions->find(request.tx.tx_id);
  if (!found) {
    env.stats->store_errors.add();
    env.stats->refused.add();
    FRAUD_LOG_LIMITED(6, err, "cards",
                      "card {}: first decision of re-sent {} not read ({}); "
                      "refused",
                      request.tx.card_id, request.tx.tx_id,
                      fraud::to_string(found.error()));
    env.sink->refuse(with_context(found.error(), "reading the first decision "
                                                 "of a re-sent transaction"),
                     request);
    return;
  }
  if (!found->empty()) {
    env.stats->duplicates.add();
    env.stats->resend_reads.add();
    env.sink->deliver_duplicate(*found, request);
    return;
  }
  // Not stored. Either a hash collision (a new transaction) or a first
  // decision still on its way to the store: only with nothing queued is
  // the answer certain.
  if (env.decision_queue != nullptr && env.decision_queue->unsettled() > 0) {
    env.stats->refused.add();
    env.sink->refuse(make_error(ec::store_error,
                                "the first decision of this re-sent "
                                "transaction is not stored yet; retry"),
                     request);
    return;
  }
  score(cell, env, request);
}


void load_state(card_actor_state& st, const card_environment& env,
                const std::string& card_id) {
  // On the card's own thread: a pending snapshot or one primary-key read,
  // before the card's first transaction is scored.
  auto bytes = find_snapshot(*env.pending, *env.snapshot_reads, card_id);
  if (!bytes) {
    env.stats->snapshot_errors.add();
    FRAUD_LOG_LIMITED(6, err, "cards",
                      "card {}: snapshot not read ({}); the card starts with "
                      "no history",
                      card_id, fraud::to_string(bytes.error()));
    return;
  }
  if (bytes->empty())
    return; // never stored: a new card after all
  auto& cell = *st.cell;
  card_cell::guard guard{cell.lock};
  if (auto err = models::load_snapshot(*bytes, cell.card, cell.recent,
                                       cell.decisions)) {
    env.stats->snapshot_corrupt.add();
    FRAUD_LOG_LIMITED(6, err, "cards",
                      "card {}: snapshot not loaded ({}); the card starts "
                      "with no history",
                      card_id, err.what());
    return;
  }
  env.stats->restored.add();
}

// The actor has started: its state is back (or it has none to read), and
// the transactions sent meanwhile come next.
void started(self_pointer self) {
  decided(*self->state.cell);
}

void restore(self_pointer self, const card_environment* env,
             card_activation activation) {
  if (!activation.predecessor) {
    load_state(self->state, *env, activation.card_id);
    started(self);
    return;
  }
  // The card's previous actor queues its last snapshot before it stops;
  // its answer (or its absence, once it is gone) means it is queued.
  // await: the card's transactions wait until its history is back.
  auto id = activation.card_id;
  // No timeout: the predecessor answers, or its death answers for it, and
  // a timeout would be one more event on CAF's clock, whose queue can
  // deadlock when actors holding pending timeouts are destroyed at
  // shutdown (CAF 0.17.6, thread_safe_actor_clock).
  self->request(activation.predecessor, caf::infinite, handoff_atom::value)
    .await(
      [self, env, id](bool) {
        load_state(self->state, *env, id);
        started(self);
      },
      [self, env, id](caf::error&) {
        load_state(self->state, *env, id);
        started(self);
      });
}

} // namespace

bool score_for_idle_card(card_cell& cell, const card_environment& env,
                         const score_request& request) {
  if (cell.queued.load(std::memory_order_acquire) != 0)
    return false;
  cell.decisions.prefetch();  // arrives while the transaction is scored
  if (cell.recent.maybe_contains(request.tx.tx_id)) {
    answer_resend(cell, env, request);
    return true;
  }
  if (needs_entities(env, request))
    return false;
  score(cell, env, request);
  return true;
}

card_actor::behavior_type
card(card_actor::stateful_pointer<card_actor_state> self,
     const card_environment* env, card_activation activation) {
  self->state.cell = activation.cell != nullptr
                       ? std::move(activation.cell)
                       : caf::make_counted<card_cell>(activation.card_id);
  if (activation.restore && env->pending != nullptr
      && env->snapshot_reads != nullptr)
    restore(self, env, std::move(activation));
  else
    started(self);
  return {
    [self, env](score_atom, score_request& request) {
      auto& cell = *self->state.cell;
      if (cell.recent.maybe_contains(request.tx.tx_id)) {
        answer_resend(cell, *env, request);
      } else if (needs_entities(*env, request)) {
        score_with_entities(self, env, std::move(request));
        return;  // decided when the entities have answered
      } else {
        score(cell, *env, request);
      }
      decided(cell);
    },
    [self](summary_atom) {
      // The directory's owner may be deciding a transaction on the cell.
      auto& cell = *self->state.cell;
      card_cell::guard guard{cell.lock};
      return cell.card.summary();
    },
    [self, env](passivate_atom) {
      queue_snapshot(*self->state.cell, *env);
      self->quit();
    },
    [self, env](handoff_atom) {
      queue_snapshot(*self->state.cell, *env);
      self->quit();
      return true;
    },
  };
}

} // namespace fraud::actors
