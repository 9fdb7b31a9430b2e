#include "models/offline_scorer.hpp"

namespace fraud::models {

decision offline_scorer::score(const transaction& tx, const ruleset& rules,
                               evaluation& scratch, const rates& fx) {
  auto& card = cards_[tx.card_id];
  if (!names_entities(tx))
    return score_and_apply(card, tx, rules, fx, scratch);
  auto views = entities_.observe(tx, fx);
  auto d = score_and_apply(card, tx, rules, fx, scratch, &views);
  if (d.action == action::decline)
    entities_.declined(tx);
  return d;
}

} // namespace fraud::models
