// From a rule text to a rule_program: parse, resolve every name to a
// feature, check types, fold constants and emit each condition as a
// branching program (models/rule_program.hpp). Done once per text, never
// per transaction.
//
// Stateless and thread-safe. Never throws.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "models/rules/rule_diagnostic.hpp"
#include "models/rules/rule_program.hpp"

namespace fraud::models::rules {

struct compile_result {
  std::shared_ptr<const rule_program> program;  // null when there are errors
  std::vector<rule_diagnostic> errors;    // in text order
  std::vector<rule_diagnostic> warnings;  // the program runs, but look at these
};

/// The rules one ruleset may hold: beyond this a text is refused at
/// compile time, whatever its rules say (the parser also refuses a text
/// over 1 MiB). The time to score a transaction grows with the rules
/// (issue 12: 12,638 rules took 5 ms a transaction).
inline constexpr std::size_t max_rules = 500;

compile_result compile(std::string_view text);

} // namespace fraud::models::rules
