#include "models/model_features.hpp"

#include <string>

#include "models/tree_model.hpp"

namespace fraud::models {

fraud::error check_model_features(const tree_model& m) {
  const auto& names = m.feature_names();
  if (names.empty())
    return make_error(ec::config_error,
                      "the model names no features, so nothing says it was "
                      "trained on this feature vector (train it with "
                      "fraud-sim train)");
  if (names.size() > model_feature_count)
    return make_error(ec::config_error,
                      "the model has " + std::to_string(names.size())
                        + " features, this build knows "
                        + std::to_string(model_feature_count)
                        + " (a model trained by a newer build?)");
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] != model_features[i].name)
      return make_error(ec::config_error,
                        "the model's feature " + std::to_string(i) + " is \""
                          + names[i] + "\", this build's is \""
                          + model_features[i].name + "\"");
  return {};
}

} // namespace fraud::models
