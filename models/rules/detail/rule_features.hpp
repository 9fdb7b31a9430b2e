// The names rules use for models::features, with their types and where
// each lives in the struct: resolved once, when a rule text is compiled,
// so that evaluation reads fields directly and never looks a name up.
//
// The catalogue is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "models/features.hpp"

namespace fraud::models::rules {

enum class value_type : std::uint8_t { number, boolean, string, channel };

/// "a number", "a boolean", ... for messages.
const char* describe(value_type t);

/// How a feature is stored in models::features.
enum class field_kind : std::uint8_t { f64, u32, flag, channel, chars, view };

union field_ref {
  double features::*f64;
  std::uint32_t features::*u32;
  bool features::*flag;
  models::channel features::*chan;
  char (features::*chars)[3];
  std::string_view features::*view;
};

struct feature_info {
  std::string_view name;
  field_kind kind;
  field_ref field;
  std::string_view doc;  // one line, for the README and error hints
  std::uint16_t offset = 0;  // of the field in models::features
  // An amount, or counts of amounts: meaningless in a currency the rates
  // do not know, so a rule that reads one is skipped then (the decision
  // says `unknown_currency`).
  bool money = false;

  value_type type() const;
};

/// Every feature a rule can name, in the order of models::features.
const std::vector<feature_info>& all_features();

/// The feature called `name`, or null.
const feature_info* find_feature(std::string_view name);

/// A two-letter code kept as char[3] ("" when absent).
inline std::string_view chars_view(const char (&c)[3]) {
  return std::string_view{c, c[0] == 0 ? 0u : (c[1] == 0 ? 1u : 2u)};
}

inline std::string_view string_of(const features& f, field_kind kind,
                                  field_ref ref) {
  return kind == field_kind::chars ? chars_view(f.*ref.chars) : f.*ref.view;
}

inline double number_of(const features& f, field_kind kind, field_ref ref) {
  return kind == field_kind::f64 ? f.*ref.f64
                                 : static_cast<double>(f.*ref.u32);
}

/// The channel named by a constant (POS, ECOM, ATM), if it is one.
bool channel_constant(std::string_view name, models::channel& out);

} // namespace fraud::models::rules
