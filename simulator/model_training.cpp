#include "simulator/model_training.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>

#include "models/model_features.hpp"
#include "models/xgboost_model.hpp"
#include "simulator/xgboost_booster.hpp"

namespace fraud::simulator {

namespace {

// The evaluator is exact; this much difference means it is not.
constexpr double max_allowed_difference = 1e-6;
// Rows of the training set the saved model is checked on.
constexpr std::size_t rows_checked = 20'000;

fraud::error configure(xgb_booster& b, const training_options& o) {
  std::pair<const char*, std::string> params[] = {
    {"objective", "binary:logistic"},
    {"booster", "gbtree"},
    {"tree_method", "hist"},
    {"max_depth", std::to_string(o.max_depth)},
    {"eta", std::to_string(o.learning_rate)},
    {"min_child_weight", std::to_string(o.min_child_weight)},
    {"subsample", std::to_string(o.subsample)},
    {"max_bin", std::to_string(o.max_bin)},
    {"seed", std::to_string(o.seed)},
    {"nthread", std::to_string(o.threads)},
    {"verbosity", "0"},
    {"eval_metric", "logloss"},
    {"eval_metric", "aucpr"},
  };
  for (auto& [name, value] : params)
    if (auto err = b.set(name, value))
      return err;
  for (auto& [key, value] : o.attributes)
    if (auto err = b.set_attribute(key, value))
      return err;
  std::vector<std::string> names;
  for (auto& f : models::model_features)
    names.emplace_back(f.name);
  return b.set_feature_names(names);
}

// The hot-path evaluator against XGBoost on the first rows of `set`.
fraud::error check_agreement(xgb_booster& b, const models::tree_model& m,
                             const training_set& set, training_result& out) {
  auto n = std::min(set.size(), rows_checked);
  auto mat = xgb_matrix::from_rows(set.rows.data(), n, set.columns);
  if (!mat)
    return mat.error();
  auto theirs = b.predict(*mat);
  if (!theirs)
    return theirs.error();
  out.checked_rows = n;
  out.max_difference = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double d = std::fabs(double{m.predict(&set.rows[i * set.columns])}
                         - double{(*theirs)[i]});
    out.max_difference = std::max(out.max_difference, d);
  }
  if (!(out.max_difference <= max_allowed_difference))
    return make_error(ec::internal,
                      "the evaluator differs from XGBoost by "
                        + std::to_string(out.max_difference)
                        + ": model not written");
  return {};
}

bool write_file(const std::string& path, const std::string& text,
                std::string& error) {
  auto tmp = path + ".tmp";
  {
    std::ofstream f{tmp, std::ios::binary | std::ios::trunc};
    if (!f || !f.write(text.data(), static_cast<std::streamsize>(text.size()))
        || !f.flush()) {
      std::remove(tmp.c_str());
      error = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    error = "cannot replace " + path;
    return false;
  }
  return true;
}

} // namespace

bool train_model(const training_set& train, const training_set& valid,
                 const training_options& options, const std::string& out_path,
                 training_result& out, std::string& error) {
  auto began = std::chrono::steady_clock::now();
  auto fail = [&](const fraud::error& e) {
    error = to_string(e);
    return false;
  };
  if (train.size() == 0 || train.fraud() == 0 || train.fraud() == train.size())
    return fail(make_error(ec::config_error,
                           "the training set needs both fraudulent and "
                           "legitimate transactions"));
  if (options.max_depth < 1
      || options.max_depth
           > static_cast<std::uint32_t>(models::tree_model::max_supported_depth))
    return fail(make_error(
      ec::config_error,
      "max_depth must be 1 to "
        + std::to_string(models::tree_model::max_supported_depth)));
  auto dtrain = xgb_matrix::from_rows(train.rows.data(), train.size(),
                                      train.columns, train.labels.data());
  if (!dtrain)
    return fail(dtrain.error());
  std::vector<std::pair<const xgb_matrix*, std::string>> sets{
    {&*dtrain, "train"}};
  std::optional<xgb_matrix> dvalid;
  if (valid.size() > 0) {
    auto v = xgb_matrix::from_rows(valid.rows.data(), valid.size(),
                                   valid.columns, valid.labels.data());
    if (!v)
      return fail(v.error());
    dvalid.emplace(std::move(*v));
    sets.emplace_back(&*dvalid, "valid");
  }
  auto booster = xgb_booster::create(*dtrain);
  if (!booster)
    return fail(booster.error());
  if (auto err = configure(*booster, options))
    return fail(err);
  for (std::uint32_t i = 0; i < options.trees; ++i)
    if (auto err = booster->update(static_cast<int>(i), *dtrain))
      return fail(err);
  auto metrics = booster->evaluate(static_cast<int>(options.trees) - 1, sets);
  if (!metrics)
    return fail(metrics.error());
  out.metrics = *metrics;
  auto json = booster->to_json();
  if (!json)
    return fail(json.error());
  auto model = models::parse_xgboost_model(*json);
  if (!model)
    return fail(with_context(model.error(), "reading the trained model back"));
  if (auto err = models::check_model_features(*model))
    return fail(err);
  if (auto err = check_agreement(*booster, *model, train, out))
    return fail(err);
  out.trees = model->tree_count();
  out.depth = model->depth();
  if (!write_file(out_path, *json, error))
    return false;
  out.seconds = std::chrono::duration<double>(
                  std::chrono::steady_clock::now() - began)
                  .count();
  return true;
}

} // namespace fraud::simulator
