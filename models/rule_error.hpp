// A problem found in a rule text, where it is: what the lexer, the parser
// and the compiler report, and what fraud.rules.set replies with.
#pragma once

#include <string>

namespace fraud::models::rules {

/// A place in the text; both count from 1, columns in bytes.
struct position {
  int line = 1;
  int column = 1;
};

struct rule_error {
  int line = 0;
  int column = 0;
  std::string message;  // says what was expected and what was found
};

inline rule_error error_at(position at, std::string message) {
  return rule_error{at.line, at.column, std::move(message)};
}

/// "line 3, column 14: expected ..."
inline std::string to_string(const rule_error& e) {
  return "line " + std::to_string(e.line) + ", column "
         + std::to_string(e.column) + ": " + e.message;
}

} // namespace fraud::models::rules
