// Test helpers for the tree model: a spec written out as XGBoost 1.7 saves
// a model (JSON), and XGBoost's prediction computed the plain way, node by
// node, to hold the laid-out evaluator to.
#pragma once

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "models/tree_model.hpp"

namespace fraud::models::test {

inline std::string float_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double{v});
  return buf;
}

template <class T, class F>
std::string json_array(const std::vector<T>& v, F text) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + text(v[i]);
  return s + "]";
}

struct json_options {
  std::string objective = "binary:logistic";
  std::string booster = "gbtree";
  int num_class = 0;
  int split_type = 0;  // written for every node
};

inline std::string to_xgboost_json(const tree_model_spec& spec,
                                   const json_options& o = {}) {
  auto num = [](auto v) { return std::to_string(v); };
  std::string trees;
  std::string info;
  for (std::size_t t = 0; t < spec.trees.size(); ++t) {
    const auto& s = spec.trees[t];
    std::vector<int> types(s.left.size(), o.split_type);
    trees += std::string{t ? "," : ""} + R"({"base_weights":[],"categories":[],)"
             + R"("default_left":)" + json_array(s.default_left, [](auto v) { return std::to_string(int{v}); })
             + R"(,"id":)" + num(t)
             + R"(,"left_children":)" + json_array(s.left, num)
             + R"(,"loss_changes":[],"parents":[],"right_children":)" + json_array(s.right, num)
             + R"(,"split_conditions":)" + json_array(s.value, float_text)
             + R"(,"split_indices":)" + json_array(s.feature, num)
             + R"(,"split_type":)" + json_array(types, num)
             + R"(,"sum_hessian":[],"tree_param":{"num_deleted":"0","num_feature":")"
             + num(spec.feature_count) + R"(","num_nodes":")" + num(s.left.size())
             + R"(","size_leaf_vector":"0"}})";
    info += std::string{t ? "," : ""} + "0";
  }
  std::string names = "[";
  for (std::size_t i = 0; i < spec.feature_names.size(); ++i)
    names += (i ? ",\"" : "\"") + spec.feature_names[i] + "\"";
  names += "]";
  return R"({"learner":{"attributes":{},"feature_names":)" + names
         + R"(,"feature_types":[],"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":")"
         + num(spec.trees.size()) + R"(","size_leaf_vector":"0"},"tree_info":[)" + info
         + R"(],"trees":[)" + trees + R"(]},"name":")" + o.booster
         + R"("},"learner_model_param":{"base_score":")" + float_text(spec.base_score)
         + R"(","boost_from_average":"1","num_class":")" + num(o.num_class)
         + R"(","num_feature":")" + num(spec.feature_count)
         + R"(","num_target":"1"},"objective":{"name":")" + o.objective
         + R"(","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]})";
}

/// XGBoost's prediction the plain way: each tree walked from its root.
inline float reference_predict(const tree_model_spec& spec, const float* row) {
  float sum = -std::log(1.0f / spec.base_score - 1.0f);
  for (const auto& t : spec.trees) {
    std::int32_t i = 0;
    while (t.left[i] != -1) {
      float x = row[t.feature[i]];
      if (std::isnan(x))
        i = t.default_left[i] ? t.left[i] : t.right[i];
      else
        i = x < t.value[i] ? t.left[i] : t.right[i];
    }
    sum += t.value[i];
  }
  return 1.0f / (1.0f + std::exp(-sum));
}

/// A random tree of at most `depth` levels, some branches stopping early.
// Thresholds on a grid of 1/grid in [-1, 1].
inline tree_spec random_tree(std::mt19937& rng, int depth,
                             std::uint32_t features, float grid = 8.0f) {
  tree_spec t;
  std::uniform_real_distribution<float> value{-1.0f, 1.0f};
  std::uniform_int_distribution<std::uint32_t> feature{0, features - 1};
  std::bernoulli_distribution coin{0.5}, stop{0.25};
  // Grows node `i` at `level`.
  auto add = [&](auto& self, int level) -> std::int32_t {
    auto i = static_cast<std::int32_t>(t.left.size());
    t.left.push_back(-1);
    t.right.push_back(-1);
    t.feature.push_back(0);
    t.value.push_back(value(rng) * 0.1f);
    t.default_left.push_back(0);
    if (level == depth || (level > 0 && stop(rng)))
      return i;
    t.feature[i] = feature(rng);
    // Thresholds on a grid, so that rows hit them exactly.
    t.value[i] = std::round(value(rng) * grid) / grid;
    t.default_left[i] = coin(rng);
    auto l = self(self, level + 1);
    auto r = self(self, level + 1);
    t.left[i] = l;
    t.right[i] = r;
    return i;
  };
  add(add, 0);
  return t;
}

} // namespace fraud::models::test
