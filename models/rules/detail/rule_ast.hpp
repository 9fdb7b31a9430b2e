// A rule text as the parser understood it, before names are resolved and
// types checked: the compiler's input. Owned by whoever parsed it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/rules/rule_diagnostic.hpp"

namespace fraud::models::rules {

enum class cmp_op : std::uint8_t { eq, ne, lt, le, gt, ge };

/// "==", "<", ...
const char* to_string(cmp_op op);

enum class expr_kind {
  number,   // number
  string,   // text
  boolean,  // number != 0
  name,     // text: a feature, or an enum constant such as ECOM
  negate,   // -args[0]
  arith,    // args[0] op args[1], op one of + - * /
  compare,  // args[0] cmp args[1]
  all,      // args[0] and args[1]
  any,      // args[0] or args[1]
  invert,   // not args[0]
  in_set,   // args[0] in [args[1..]]; `negated` for "not in"
  in_list,  // args[0] in list <text>; `negated` for "not in"
};

struct expr {
  expr_kind kind = expr_kind::number;
  position at;
  double number = 0;
  std::string text;
  char op = 0;
  cmp_op cmp = cmp_op::eq;
  bool negated = false;
  std::vector<std::unique_ptr<expr>> args;
};

using expr_ptr = std::unique_ptr<expr>;

enum class rule_kind {
  action,  // rule NAME: [shadow] review|decline|allow when ...
  score,   // score NAME: [shadow] +N when ...
};

enum class rule_verdict { review, decline, allow };

struct rule_decl {
  position at;
  std::string name;
  position name_at;
  rule_kind kind = rule_kind::action;
  rule_verdict verdict = rule_verdict::review;
  int points = 0;
  bool shadow = false;
  expr_ptr condition;
  std::string condition_text;  // as written, for the default detail
  expr_ptr value;              // optional: what the reason reports
  expr_ptr limit;              // optional: against what
  std::optional<std::string> say;
  position say_at;
};

struct threshold_decl {
  int value = 0;
  position at;
};

struct ruleset_source {
  std::vector<rule_decl> rules;
  std::optional<threshold_decl> review_at;
  std::optional<threshold_decl> decline_at;
};

} // namespace fraud::models::rules
