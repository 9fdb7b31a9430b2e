// A problem found in a rule text, where it is: what the lexer, the parser
// and the compiler report, and what fraud.rules.set replies with. A compile
// collects many of these (and warnings) as its report; a function that
// fails returns fraud::error (models/error.hpp), as everywhere else.
#pragma once

#include <string>

namespace fraud::models::rules {

/// A place in the text; both count from 1, columns in bytes.
struct position {
  int line = 1;
  int column = 1;
};

struct rule_diagnostic {
  int line = 0;
  int column = 0;
  std::string message;  // says what was expected and what was found
};

inline rule_diagnostic error_at(position at, std::string message) {
  return rule_diagnostic{at.line, at.column, std::move(message)};
}

/// "line 3, column 14: expected ..."
inline std::string to_string(const rule_diagnostic& e) {
  return "line " + std::to_string(e.line) + ", column "
         + std::to_string(e.column) + ": " + e.message;
}

} // namespace fraud::models::rules
