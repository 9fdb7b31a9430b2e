// fraud-sim train: a gradient-boosted tree model (XGBoost, binary:logistic)
// trained on a training_set, saved as XGBoost's JSON, which fraudd and
// fraud-sim backtest evaluate with models::tree_model. Before the file is
// written the saved model is read back with the hot-path evaluator and its
// predictions compared with XGBoost's own on the training rows, so a model
// that would score differently in fraudd is never written.
//
// Not thread-safe; XGBoost trains on `threads` threads of its own.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "simulator/training_set.hpp"

namespace fraud::simulator {

struct training_options {
  std::uint32_t trees = 100;       // boosting rounds
  std::uint32_t max_depth = 6;     // at most models::tree_model::max_supported_depth
  double learning_rate = 0.1;      // eta
  double min_child_weight = 1;
  double subsample = 1.0;          // rows sampled per tree (1: all)
  std::uint32_t max_bin = 256;     // histogram bins per feature
  std::uint64_t seed = 1;
  std::uint32_t threads = 2;
  /// Strings saved in the model file (XGBoost's learner attributes): what
  /// it was trained on (simulator/model_provenance.hpp).
  std::map<std::string, std::string> attributes;
};

struct training_result {
  std::string metrics;        // XGBoost's last evaluation line
  std::size_t trees = 0;
  int depth = 0;              // the deepest tree
  std::size_t checked_rows = 0;
  double max_difference = 0;  // evaluator against XGBoost on checked_rows
  double seconds = 0;
};

/// Trains on `train` (and reports metrics on `valid` too when it has
/// rows) and writes the model to `out_path`, replacing it only once the
/// whole model is checked and written. False with `error` set otherwise;
/// the file is then untouched.
bool train_model(const training_set& train, const training_set& valid,
                 const training_options& options, const std::string& out_path,
                 training_result& out, std::string& error);

} // namespace fraud::simulator
