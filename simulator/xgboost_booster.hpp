// XGBoost's C API (libxgboost-dev) behind two owning handles, every call
// checked: a matrix of rows, and a booster trained on and predicting from
// them. Used by `fraud-sim train` and by the tests that hold the hot-path
// evaluator (models/tree_model.hpp) to XGBoost's own predictions; never by
// fraudd, which evaluates saved models itself.
//
// Not thread-safe: one thread per booster (XGBoost's own threads aside).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "models/error.hpp"

namespace fraud::simulator {

class xgb_matrix {
public:
  /// `rows` x `cols` floats, row-major, NaN for a missing value; `labels`
  /// (one per row) may be null.
  static expected<xgb_matrix> from_rows(const float* x, std::size_t rows,
                                        std::size_t cols,
                                        const float* labels = nullptr);
  xgb_matrix(xgb_matrix&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {
  }
  xgb_matrix& operator=(xgb_matrix&& o) noexcept;
  ~xgb_matrix();

  void* handle() const {
    return h_;
  }

private:
  explicit xgb_matrix(void* h) : h_(h) {
  }
  void* h_ = nullptr;
};

class xgb_booster {
public:
  /// A booster to train on `train` (which must outlive it).
  static expected<xgb_booster> create(const xgb_matrix& train);
  /// A booster from the text of a saved JSON model.
  static expected<xgb_booster> from_json(const std::string& json);
  xgb_booster(xgb_booster&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {
  }
  xgb_booster& operator=(xgb_booster&& o) noexcept;
  ~xgb_booster();

  fraud::error set(const std::string& name, const std::string& value);
  fraud::error set_feature_names(const std::vector<std::string>& names);
  /// A string the saved model carries (its learner's "attributes").
  fraud::error set_attribute(const std::string& key, const std::string& value);
  /// One boosting round.
  fraud::error update(int iteration, const xgb_matrix& train);
  /// XGBoost's evaluation line, e.g. "[299]\ttrain-logloss:0.01".
  expected<std::string> evaluate(
    int iteration, const std::vector<std::pair<const xgb_matrix*, std::string>>& sets);
  /// Probabilities (binary:logistic), one per row, by XGBoost itself.
  expected<std::vector<float>> predict(const xgb_matrix& m);
  /// The model as XGBoost's JSON.
  expected<std::string> to_json();

private:
  explicit xgb_booster(void* h) : h_(h) {
  }
  void* h_ = nullptr;
};

} // namespace fraud::simulator
