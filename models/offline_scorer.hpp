// Every card's and every entity's state for replaying a dataset in order
// on one thread (backtests): the steps the live card and entity actors
// take, in the same order, so that a backtest gives the decisions a live
// replay of the same transactions gives.
#pragma once

#include <string>
#include <unordered_map>

#include "models/card_state.hpp"
#include "models/entity_features.hpp"
#include "models/scoring.hpp"

namespace fraud::models {

class offline_scorer {
public:
  /// Scores the transaction against its card and its entities, and
  /// applies it to them, as the card actor does.
  decision score(const transaction& tx, const ruleset& rules,
                 evaluation& scratch, const rates& fx = default_rates());

private:
  std::unordered_map<std::string, card_state> cards_;
  entity_book entities_;
};

} // namespace fraud::models
