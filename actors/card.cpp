#include "actors/card.hpp"

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

} // namespace

card_actor::behavior_type
card(card_actor::stateful_pointer<card_actor_state> self,
     const card_environment* env) {
  return {
    [self, env](score_atom, score_request& request) {
      // One scratch evaluation per worker thread keeps its reason vector's
      // capacity across transactions.
      thread_local models::evaluation scratch;
      auto decision = models::score_and_apply(
        self->state.card, request.tx, env->rules->current(), scratch);
      count(*env->stats, decision.action);
      env->sink->deliver(decision, request);
    },
  };
}

} // namespace fraud::actors
