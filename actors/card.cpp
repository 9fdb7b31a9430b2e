#include "actors/card.hpp"

#include <chrono>
#include <cstdio>

#include "actors/runtime/log.hpp"
#include "actors/runtime/pending_snapshots.hpp"
#include "models/card_snapshot.hpp"
#include "models/scoring.hpp"

namespace fraud::actors {

namespace {

using self_pointer = card_actor::stateful_pointer<card_actor_state>;

constexpr auto store_timeout = std::chrono::seconds(5);

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

// Write-behind: after the decision went out, queue the card's new state.
void queue_snapshot(const card_actor_state& st, const card_environment& env,
                    const std::string& card_id) {
  if (env.snapshot_queue == nullptr)
    return;
  thread_local std::string bytes;
  thread_local std::string record;
  models::save_snapshot(st.card, st.recent, bytes);
  encode_snapshot_record(card_id, bytes, record);
  if (!env.snapshot_queue->push(record))
    env.stats->snapshot_dropped.add();
}

void score(card_actor_state& st, const card_environment& env,
           const score_request& request) {
  // One scratch evaluation per worker thread keeps its reason vector's
  // capacity across transactions.
  thread_local models::evaluation scratch;
  auto decision = models::score_and_apply(st.card, request.tx,
                                          env.rules->current(), scratch);
  st.recent.add(request.tx.tx_id);
  count(*env.stats, decision.action);
  env.sink->deliver(decision, request);
  queue_snapshot(st, env, request.tx.card_id);
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
  if (auto err = models::load_snapshot(*bytes, st.card, st.recent)) {
    env.stats->snapshot_corrupt.add();
    FRAUD_LOG_LIMITED(6, err, "cards",
                      "card {}: snapshot not loaded ({}); the card starts "
                      "with no history",
                      card_id, err.what());
    return;
  }
  env.stats->restored.add();
}

void restore(self_pointer self, const card_environment* env,
             card_activation activation) {
  if (!activation.predecessor) {
    load_state(self->state, *env, activation.card_id);
    return;
  }
  // The card's previous actor queues its last snapshot before it stops;
  // its answer (or its absence, once it is gone) means it is queued.
  // await: the card's transactions wait until its history is back.
  auto id = activation.card_id;
  self->request(activation.predecessor, store_timeout, handoff_atom::value)
    .await([self, env, id](bool) { load_state(self->state, *env, id); },
           [self, env, id](caf::error&) {
             load_state(self->state, *env, id);
           });
}

} // namespace

card_actor::behavior_type
card(card_actor::stateful_pointer<card_actor_state> self,
     const card_environment* env, card_activation activation) {
  if (activation.restore && env->pending != nullptr
      && env->snapshot_reads != nullptr)
    restore(self, env, std::move(activation));
  return {
    [self, env](score_atom, score_request& request) {
      if (!env->store || !self->state.recent.maybe_contains(request.tx.tx_id)) {
        score(self->state, *env, request);
        return;
      }
      // Probably a re-sent transaction: answer with the first decision
      // instead of counting it twice. await() holds this card's later
      // transactions back until the store answered, so order is kept.
      self->request(env->store, store_timeout, lookup_atom::value,
                    request.tx.tx_id)
        .await(
          [self, env, request](std::string& first) {
            if (first.empty()) {
              score(self->state, *env, request); // a hash collision
              return;
            }
            env->stats->duplicates.add();
            env->sink->deliver_duplicate(first, request);
          },
          [self, env, request](caf::error&) {
            // The store did not answer: scoring again is better than no
            // answer in the authorisation path; the store keeps the first.
            env->stats->store_errors.add();
            score(self->state, *env, request);
          });
    },
    [self](summary_atom) { return self->state.card.summary(); },
    [self](passivate_atom) { self->quit(); },
    [self](handoff_atom) {
      self->quit();
      return true;
    },
  };
}

} // namespace fraud::actors
