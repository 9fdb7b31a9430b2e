// One step of a card's life: score a transaction, then remember it.
// The same function serves the live card actor and offline backtests, so
// both give the same decision for the same history.
#pragma once

#include "models/card_state.hpp"
#include "models/entity_features.hpp"
#include "models/decision.hpp"
#include "models/rates.hpp"
#include "models/ruleset.hpp"
#include "models/transaction.hpp"

namespace fraud::models {

/// Evaluates `tx` against `state` with `rules`, applies it to `state` (only
/// an approved transaction teaches the profile: card_state::apply_unapproved),
/// and returns the decision. `scratch` is reused between calls to save
/// allocations; its contents on return are unspecified.
/// Amounts are converted to the card's home currency with `fx`. With
/// `entities`, the views of the transaction's device, IP address and
/// merchant (models/entity_features.hpp) are among the features.
decision score_and_apply(card_state& state, const transaction& tx,
                         const ruleset& rules, const rates& fx,
                         evaluation& scratch,
                         const entity_views* entities = nullptr);

/// The same with the built-in rates (models/default.rates).
inline decision score_and_apply(card_state& state, const transaction& tx,
                                const ruleset& rules, evaluation& scratch) {
  return score_and_apply(state, tx, rules, default_rates(), scratch);
}

/// The second half of score_and_apply, for a caller that wants the
/// features on their way (fraud-sim train keeps them): `f` must be
/// state.features_for(tx, fx).
decision decide_and_apply(card_state& state, const transaction& tx,
                          const features& f, const ruleset& rules,
                          const rates& fx, evaluation& scratch);

} // namespace fraud::models
