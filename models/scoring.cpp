#include "models/scoring.hpp"

namespace fraud::models {

decision score_and_apply(card_state& state, const transaction& tx,
                         const ruleset& rules, evaluation& scratch) {
  auto f = state.features_for(tx);
  rules.evaluate(f, scratch);
  state.apply(tx);
  decision d;
  d.tx_id = tx.tx_id;
  d.card_id = tx.card_id;
  d.action = scratch.action;
  d.score = scratch.score;
  d.reasons = std::move(scratch.reasons);
  scratch.reasons.clear();
  d.ruleset_version = rules.version();
  d.event_time_ms = tx.event_time_ms;
  return d;
}

} // namespace fraud::models
