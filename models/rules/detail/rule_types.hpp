// Name resolution and type checking of a parsed rule text, and the
// constants it can fold: the compiler's first pass. Every error names its
// position and what was expected.
//
// Stateless and thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "models/rules/detail/rule_ast.hpp"
#include "models/rules/rule_diagnostic.hpp"
#include "models/rules/detail/rule_features.hpp"

namespace fraud::models::rules {

/// The type of `e`, or nothing with the reason added to `errors`.
std::optional<value_type> type_of(const expr& e,
                                  std::vector<rule_diagnostic>& errors);

/// The value of a number expression made only of constants.
std::optional<double> constant_number(const expr& e);

/// The value of a condition that does not depend on the transaction.
std::optional<bool> constant_condition(const expr& e);

/// A name that is a feature, or null (an enum constant, or unknown).
const feature_info* feature_named(const expr& e);

/// The features a condition reads, in the order they are written, once.
void features_read(const expr& e, std::vector<const feature_info*>& out);

/// The first comparison of two numbers in `e`, in text order, or null:
/// what a reason reports when the rule does not say.
const expr* first_number_comparison(const expr& e);

} // namespace fraud::models::rules
