// The feature vector a trained model sees: the rules' features
// (models/features.hpp) as named floats in a fixed order. Training
// (fraud-sim train) and scoring (tree_model) both fill it with
// to_model_row(), so a model's feature i is this table's entry i.
//
// The order is part of every saved model: append new features at the end,
// one line each, and never reorder, rename or remove one. A model trained
// before an append still loads (its features are a prefix of the table;
// check_model_features); one trained after is refused by an older fraudd.
//
// NaN is a missing value, as XGBoost reads it: a feature that has no
// meaning for this transaction (no earlier location, no history) is missing
// rather than a made-up 0, and so is anything not finite.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>

#include "models/error.hpp"
#include "models/features.hpp"

namespace fraud::models {

class tree_model;

inline constexpr float missing_feature = std::numeric_limits<float>::quiet_NaN();

/// `v` as a float, missing when `known` is false or it is not finite.
inline float model_value(double v, bool known = true) {
  return known && std::isfinite(v) ? static_cast<float>(v) : missing_feature;
}

struct model_feature {
  const char* name;
  float (*value)(const features&);
};

// clang-format off
inline constexpr model_feature model_features[] = {
  {"amount", [](const features& f) { return model_value(f.amount); }},
  {"channel", [](const features& f) { return static_cast<float>(f.channel); }},
  {"mcc", [](const features& f) { return static_cast<float>(f.mcc); }},
  {"card_present", [](const features& f) { return f.card_present ? 1.0f : 0.0f; }},
  {"tx_count", [](const features& f) { return static_cast<float>(f.tx_count); }},
  {"distance_km", [](const features& f) { return model_value(f.distance_km, f.has_previous_location); }},
  {"minutes_since_located", [](const features& f) { return model_value(f.minutes_since_located, f.has_previous_location); }},
  {"speed_kmh", [](const features& f) { return model_value(f.speed_kmh, f.has_previous_location); }},
  {"seconds_since_last", [](const features& f) { return model_value(f.seconds_since_last, f.tx_count > 0); }},
  {"count_1m", [](const features& f) { return static_cast<float>(f.count_1m); }},
  {"sum_1m", [](const features& f) { return model_value(f.sum_1m); }},
  {"count_1h", [](const features& f) { return static_cast<float>(f.count_1h); }},
  {"sum_1h", [](const features& f) { return model_value(f.sum_1h); }},
  {"count_24h", [](const features& f) { return static_cast<float>(f.count_24h); }},
  {"sum_24h", [](const features& f) { return model_value(f.sum_24h); }},
  {"small_cnp_count_10m", [](const features& f) { return static_cast<float>(f.small_cnp_count_10m); }},
  {"avg_amount", [](const features& f) { return model_value(f.avg_amount, f.tx_count > 0); }},
  {"amount_ratio", [](const features& f) { return model_value(f.amount_ratio, f.tx_count > 0); }},
  {"amount_z", [](const features& f) { return model_value(f.amount_z, f.tx_count > 1); }},
  {"new_device", [](const features& f) { return f.new_device ? 1.0f : 0.0f; }},
  {"known_devices", [](const features& f) { return static_cast<float>(f.known_devices); }},
  {"new_country", [](const features& f) { return f.new_country ? 1.0f : 0.0f; }},
  {"abroad", [](const features& f) { return model_value(f.country[0] != f.home_country[0] || f.country[1] != f.home_country[1], f.home_country[0] != 0); }},
  // Append here; see the top of this file.
};
// clang-format on

inline constexpr std::size_t model_feature_count = std::size(model_features);

/// The model's input for one transaction, in model_features order.
using model_row = std::array<float, model_feature_count>;

inline void fill_model_row(const features& f, float* row) {
  for (std::size_t i = 0; i < model_feature_count; ++i)
    row[i] = model_features[i].value(f);
}

inline model_row to_model_row(const features& f) {
  model_row row;
  fill_model_row(f, row.data());
  return row;
}

/// Whether `m` was trained on this feature vector: it names its features,
/// and they are the first of model_features, in order. CONFIG_ERROR
/// naming the first difference otherwise.
fraud::error check_model_features(const tree_model& m);

} // namespace fraud::models
