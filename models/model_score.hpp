// The model_score feature: a trained model's fraud probability (0-1),
// computed from a transaction's other features and handed to the rules
// with them, so a rule can say `model_score > 0.9`. Without a model the
// feature is 0.
//
// with_model_score() wraps a ruleset: its evaluate() fills model_score
// (models/tree_model.hpp, about 0.9 µs for 300 trees of depth 6 here)
// and then runs the rules, and names the model (ruleset::model_version)
// so that each decision says which model scored it. The wrapped ruleset
// keeps the inner one's version. Immutable and thread-safe, like every
// ruleset.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "models/error.hpp"
#include "models/ruleset.hpp"
#include "models/tree_model.hpp"

namespace fraud::models {

/// A model file fit to score transactions: an XGBoost JSON model
/// (models/xgboost_model.hpp) trained on this build's feature vector
/// (check_model_features). The error says what is wrong with it.
expected<std::shared_ptr<const tree_model>>
load_score_model(const std::string& path);

/// The same from the text of such a file (a model sent over NATS);
/// `origin` names it in errors.
expected<std::shared_ptr<const tree_model>>
parse_score_model(std::string_view json, const std::string& origin);

/// A model as it runs: the trees, and the name decisions give it.
struct named_model {
  std::shared_ptr<const tree_model> model;  // null: no model
  std::string version;                      // "model-3"
};

/// `rules` run with model_score filled in by `model`; `rules` itself when
/// `model.model` is null.
std::shared_ptr<const ruleset>
with_model_score(std::shared_ptr<const ruleset> rules, named_model model);

/// The same, for a model that has no version name (offline tools).
std::shared_ptr<const ruleset>
with_model_score(std::shared_ptr<const ruleset> rules,
                 std::shared_ptr<const tree_model> model);

} // namespace fraud::models
