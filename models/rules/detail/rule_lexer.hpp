// The rule language's tokens: the text cut into words, numbers, strings
// and symbols, each with its position. Comments (# to the end of the line)
// and white space are dropped. Keywords are identifiers here; the parser
// knows which words it expects.
//
// Tokens hold views into the text: the text must outlive them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/rules/rule_diagnostic.hpp"

namespace fraud::models::rules {

enum class token_kind {
  end,  // after the last token
  identifier,
  number,
  string,
  colon,
  comma,
  lparen,
  rparen,
  lbracket,
  rbracket,
  plus,
  minus,
  star,
  slash,
  eq,  // ==
  ne,  // !=
  lt,
  le,
  gt,
  ge,
};

struct token {
  token_kind kind = token_kind::end;
  std::string_view text;  // as written (a string with its quotes)
  position at;
  double number = 0;      // for number
  std::string value;      // for string: the text between the quotes, unescaped
};

/// How a token is named in "expected X, found Y".
std::string describe(const token& t);

struct lexed {
  std::vector<token> tokens;  // always ends with an `end` token
  std::vector<rule_diagnostic> errors;
};

/// Cuts `text` into tokens; a character that starts no token is an error
/// and is skipped, so that the parser still sees the rest.
lexed lex(std::string_view text);

} // namespace fraud::models::rules
