// Test models on this build's feature vector (models/model_features.hpp):
// one that gives every transaction the same score, as a spec and as the
// XGBoost JSON a model file holds.
#pragma once

#include <cmath>
#include <string>

#include "models/model_features.hpp"
#include "tests/models/xgboost_json.hpp"

namespace fraud::models::test {

/// `trees` one-leaf trees of `leaf` each: model_score is
/// 1 / (1 + e^-(trees * leaf)) for every transaction.
inline tree_model_spec constant_spec(float leaf, int trees = 1) {
  tree_model_spec s;
  s.feature_count = static_cast<std::uint32_t>(model_feature_count);
  for (auto& f : model_features)
    s.feature_names.emplace_back(f.name);
  for (int i = 0; i < trees; ++i)
    s.trees.push_back(tree_spec{{-1}, {-1}, {0}, {leaf}, {0}});
  return s;
}

inline std::string constant_model(float leaf, int trees = 1) {
  return to_xgboost_json(constant_spec(leaf, trees));
}

/// The score constant_model(margin) gives (one tree).
inline double constant_score(float margin) {
  return 1.0 / (1.0 + std::exp(-double{margin}));
}

} // namespace fraud::models::test
