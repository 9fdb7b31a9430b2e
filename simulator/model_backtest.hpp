// fraud-sim backtest --model M: a ruleset alone and the same ruleset with
// a trained model beside it (model_score filled in, plus the rules of
// --model-rules that read it), side by side over a labelled dataset (the
// report of simulator/backtest_report.hpp), then the model alone: which
// data it was trained on (the provenance fraud-sim train writes into the
// model file; testing on the training data is refused), its
// precision-recall curve (as an SVG picture with --pr-curve), and the
// operating point: the threshold with the best recall within a false
// decline budget (0.05 %), for the model alone and beside the rules.
//
// The model alone is scored on the features the ruleset alone leaves
// (what a card learns depends on what was approved), as fraud-sim train
// computes the rows it trains on.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "models/ruleset.hpp"
#include "models/tree_model.hpp"
#include "simulator/backtest_compare.hpp"
#include "simulator/model_provenance.hpp"
#include "simulator/pr_curve.hpp"

namespace fraud::simulator {

struct model_backtest_options {
  std::string in_path;           // the labelled dataset to test on
  std::string rules_path;        // the ruleset; empty: the default rules
  std::string model_rules_path;  // rules reading model_score, added to it
  std::string model_path;
  std::string pr_curve_path;     // SVG to write; empty: none
  std::string json_path;         // JSON report; empty: none
  std::size_t show = 20;         // changed decisions to list
  bool allow_training_data = false;
  double budget = 0.0005;        // false decline rate of the operating point
};

struct model_backtest_result {
  backtest_comparison comparison;  // baseline: rules alone; candidate: with model
  pr_curve curve;                  // the model alone
  std::optional<dataset_identity> trained_on;  // none: the file does not say
  dataset_identity tested_on;
  data_overlap overlap = data_overlap::none;
  std::size_t trees = 0;
  int depth = 0;
};

/// The comparison and the curve. False with `error` set when a file cannot
/// be read or compiled, or when the dataset is the model's training data
/// and options.allow_training_data is false (`refused` is then true).
bool model_backtest(const model_backtest_options& options,
                    model_backtest_result& out, std::string& error,
                    bool& refused);

nlohmann::json to_json(const model_backtest_options& options,
                       const model_backtest_result& r);

/// Runs it, prints the report, writes the SVG and JSON asked for. The exit
/// code: 0 done, 1 a file could not be read or written, 2 bad rules or
/// a refusal.
int run_model_backtest(const model_backtest_options& options);

} // namespace fraud::simulator
