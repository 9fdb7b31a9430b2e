// The rule language's grammar: a text into a ruleset_source, or errors.
//
//   ruleset    := { statement }
//   statement  := "threshold" ("review" | "decline") INTEGER
//               | "rule"  NAME ":" ["shadow"] ("review" | "decline" | "allow")
//                         "when" cond clauses
//               | "score" NAME ":" ["shadow"] ("+" | "-") NUMBER "when" cond
//                         clauses
//   clauses    := ["value" sum ["limit" sum]] ["say" STRING]
//   cond       := and { "or" and }
//   and        := not { "and" not }
//   not        := "not" not | comparison
//   comparison := sum [ ("=="|"!="|"<"|"<="|">"|">=") sum
//                     | ["not"] "in" "[" sum { "," sum } "]"
//                     | ["not"] "in" "list" NAME ]
//   sum        := product { ("+" | "-") product }
//   product    := unary { ("*" | "/") unary }
//   unary      := "-" unary | primary
//   primary    := NUMBER | STRING | "true" | "false" | NAME | "(" cond ")"
//
// Stateless and thread-safe. Never throws; any text, however broken, gives
// a result (the tests feed it random bytes).
#pragma once

#include <string_view>
#include <vector>

#include "models/rules/detail/rule_ast.hpp"
#include "models/rules/rule_diagnostic.hpp"

namespace fraud::models::rules {

/// The deepest nesting of parentheses and operators a condition may have.
inline constexpr int max_nesting = 48;

/// The longest rule text accepted, in bytes.
inline constexpr std::size_t max_text_size = 1 << 20;

struct parsed {
  ruleset_source source;
  std::vector<rule_diagnostic> errors;  // empty when the text parsed
};

/// After an error the parser skips to the next statement, so one text can
/// report several problems; at most `max_errors` are kept.
parsed parse(std::string_view text, std::size_t max_errors = 20);

} // namespace fraud::models::rules
