#include "models/scoring.hpp"

namespace fraud::models {

decision score_and_apply(card_state& state, const transaction& tx,
                         const ruleset& rules, const rates& fx,
                         evaluation& scratch, const entity_views* entities) {
  auto f = state.features_for(tx, fx);
  if (entities != nullptr)
    add_entity_features(f, *entities);
  return decide_and_apply(state, tx, f, rules, fx, scratch);
}

decision decide_and_apply(card_state& state, const transaction& tx,
                          const features& f, const ruleset& rules,
                          const rates& fx, evaluation& scratch) {
  scratch.model_score = 0;  // a ruleset without a model leaves it
  rules.evaluate(f, scratch);
  if (scratch.action == action::approve)
    state.apply(tx, fx);
  else
    state.apply_unapproved(tx, fx);
  decision d;
  d.tx_id = tx.tx_id;
  d.card_id = tx.card_id;
  d.action = scratch.action;
  d.score = scratch.score;
  d.reasons = std::move(scratch.reasons);
  scratch.reasons.clear();
  d.shadow_reasons = std::move(scratch.shadow_reasons);
  scratch.shadow_reasons.clear();
  d.ruleset_version = rules.version();
  d.model_version = rules.model_version();
  d.model_score = scratch.model_score;
  d.event_time_ms = tx.event_time_ms;
  d.amount_minor = tx.amount_minor;
  d.currency = tx.currency;
  d.merchant_id = tx.merchant_id;
  d.mcc = tx.mcc;
  d.country = tx.country;
  d.channel = tx.channel;
  return d;
}

} // namespace fraud::models
