// The sentence a fired rule gives a person (reason.detail), compiled once
// from the rule's `say "..."` text, or made from its condition when it has
// none.
//
// In a `say` text, {name} is replaced by the feature's value, {value} and
// {limit} by the reason's; {name:N} shows N decimals (0 to 9); {{ and }}
// are braces. Without N, whole numbers show no decimals and others two.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "models/rules/rule_diagnostic.hpp"
#include "models/rules/rule_program.hpp"

namespace fraud::models::rules {

/// The longest detail a reason carries; a longer one is cut with "...".
/// It travels in every decision its rule fires on (up to 32 reasons and
/// 32 shadow reasons each), in the reply to the transaction and in the
/// store: a sentence for a person fits, and a decision stays far below
/// NATS's 1 MiB payload whatever a rule text says. A `say` text longer
/// than this gets a warning, not an error, so that texts kept before
/// the limit still compile.
inline constexpr std::size_t max_detail_bytes = 256;

/// How much of a condition a reason without `say` quotes; longer ones are
/// cut with "...", for the same reason.
inline constexpr std::size_t max_condition_in_detail = 120;

/// `say` compiled, or empty with errors added. `at` is where the string
/// starts (its opening quote).
std::vector<detail_part> compile_say(std::string_view say, position at,
                                     std::vector<rule_diagnostic>& errors);

/// "<condition as written>: feature=value, ...", for the features the
/// condition reads; the condition cut at max_condition_in_detail.
std::vector<detail_part>
default_detail(const std::string& condition_text,
               const std::vector<const feature_info*>& read);

} // namespace fraud::models::rules
