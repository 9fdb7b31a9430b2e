// The sentence a fired rule gives a person (reason.detail), compiled once
// from the rule's `say "..."` text, or made from its condition when it has
// none.
//
// In a `say` text, {name} is replaced by the feature's value, {value} and
// {limit} by the reason's; {name:N} shows N decimals (0 to 9); {{ and }}
// are braces. Without N, whole numbers show no decimals and others two.
#pragma once

#include <string_view>
#include <vector>

#include "models/rules/rule_diagnostic.hpp"
#include "models/rules/rule_program.hpp"

namespace fraud::models::rules {

/// `say` compiled, or empty with errors added. `at` is where the string
/// starts (its opening quote).
std::vector<detail_part> compile_say(std::string_view say, position at,
                                     std::vector<rule_diagnostic>& errors);

/// "<condition as written>: feature=value, ...", for the features the
/// condition reads.
std::vector<detail_part>
default_detail(const std::string& condition_text,
               const std::vector<const feature_info*>& read);

} // namespace fraud::models::rules
