// The vectorised layout of a tree_model (see models/tree_model.hpp); used
// by tree_model.cpp only.
#pragma once

#include "models/tree_model.hpp"

namespace fraud::models {

struct vector_layout {
  /// Lays `spec` out in `m` for the vectorised evaluator and says true,
  /// or says false (and leaves `m` as it was) where the CPU or the model
  /// does not allow it. `max_depth`: the deepest tree's.
  static bool lay(tree_model& m, const tree_model_spec& spec, int max_depth);
  static float margin(const tree_model& m, const float* row);
};

} // namespace fraud::models
