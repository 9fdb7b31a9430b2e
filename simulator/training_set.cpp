#include "simulator/training_set.hpp"

#include <unordered_map>

#include "models/model_features.hpp"
#include "models/scoring.hpp"

namespace fraud::simulator {

bool read_training_set(std::istream& in, const models::ruleset& rules,
                       std::size_t limit, training_set& out,
                       std::string& error) {
  protocol::dataset_reader reader{in};
  if (!reader.read_header(out.header)) {
    error = reader.error();
    return false;
  }
  out.columns = models::model_feature_count;
  out.rows.clear();
  out.labels.clear();
  out.by_label = {};
  std::unordered_map<std::string, models::card_state> cards;
  models::evaluation scratch;
  protocol::labeled_transaction lt;
  while ((limit == 0 || out.size() < limit) && reader.next(lt)) {
    auto& state = cards[lt.tx.card_id];
    auto at = out.rows.size();
    out.rows.resize(at + out.columns);
    const auto& fx = models::default_rates();
    auto f = state.features_for(lt.tx, fx);
    models::fill_model_row(f, &out.rows[at]);
    models::decide_and_apply(state, lt.tx, f, rules, fx, scratch);
    bool fraud = lt.label != protocol::fraud_label::legitimate;
    out.labels.push_back(fraud ? 1.0f : 0.0f);
    ++out.by_label[static_cast<std::size_t>(lt.label)];
  }
  if (!reader.error().empty()) {
    error = reader.error();
    return false;
  }
  return true;
}

} // namespace fraud::simulator
