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

compile_result compile(std::string_view text);

} // namespace fraud::models::rules
