#include "actors/card.hpp"

#include <chrono>

#include "models/scoring.hpp"

namespace fraud::actors {

namespace {

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
}

} // namespace

card_actor::behavior_type
card(card_actor::stateful_pointer<card_actor_state> self,
     const card_environment* env) {
  return {
    [self, env](score_atom, score_request& request) {
      if (!env->store || !self->state.recent.maybe_contains(request.tx.tx_id)) {
        score(self->state, *env, request);
        return;
      }
      // Probably a re-sent transaction: answer with the first decision
      // instead of counting it twice. await() holds this card's later
      // transactions back until the store answered, so order is kept.
      self->request(env->store, std::chrono::seconds(5), lookup_atom::value,
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
  };
}

} // namespace fraud::actors
