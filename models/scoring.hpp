// One step of a card's life: score a transaction, then remember it.
// The same function serves the live card actor and offline backtests, so
// both give the same decision for the same history.
#pragma once

#include "models/card_state.hpp"
#include "models/decision.hpp"
#include "models/rates.hpp"
#include "models/ruleset.hpp"
#include "models/transaction.hpp"

namespace fraud::models {

/// Evaluates `tx` against `state` with `rules`, applies it to `state` (only
/// an approved transaction teaches the profile: card_state::apply_unapproved),
/// and returns the decision. `scratch` is reused between calls to save
/// allocations; its contents on return are unspecified.
/// Amounts are converted to the card's home currency with `fx`.
decision score_and_apply(card_state& state, const transaction& tx,
                         const ruleset& rules, const rates& fx,
                         evaluation& scratch);

/// The same with the built-in rates (models/default.rates).
inline decision score_and_apply(card_state& state, const transaction& tx,
                                const ruleset& rules, evaluation& scratch) {
  return score_and_apply(state, tx, rules, default_rates(), scratch);
}

} // namespace fraud::models
