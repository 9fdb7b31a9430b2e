// Reading a model saved by XGBoost (`save_model("model.json")`, or the C
// API's XGBoosterSaveModel with a .json name) into a models::tree_model.
//
// Accepted: the JSON format of XGBoost 1.x and 2.x, booster gbtree,
// objective binary:logistic, one output, numerical splits, trees at most
// tree_model::max_supported_depth deep. Anything else is refused with an
// error that says what and why (MALFORMED for text that is not a complete,
// consistent model; CONFIG_ERROR for a model of a kind we do not evaluate),
// and nothing is loaded.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "models/error.hpp"
#include "models/tree_model.hpp"

namespace fraud::models {

/// What the file said besides its trees.
struct xgboost_model_info {
  std::string version;    // "1.7.4", the XGBoost that saved it
  std::string objective;  // "binary:logistic"
  /// The learner's "attributes" (Booster.set_attr): strings the trainer
  /// stored with the model, e.g. fraud-sim train's training data.
  std::map<std::string, std::string> attributes;
};

/// Parses the text of a saved model; `info`, when given, is filled in.
/// `evaluator`: see tree_model::build.
expected<tree_model>
parse_xgboost_model(std::string_view json, xgboost_model_info* info = nullptr,
                    tree_evaluator evaluator = tree_evaluator::fastest);

/// Reads and parses a file; errors name the file.
expected<tree_model> load_xgboost_model(const std::string& path,
                                        xgboost_model_info* info = nullptr);

/// The largest model file read (bytes): far above a few thousand trees.
inline constexpr std::size_t max_model_file_bytes = 512u << 20;

} // namespace fraud::models
