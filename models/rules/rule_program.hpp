// A rule text compiled: what evaluation runs. Built once by the compiler
// (models/rule_compiler.hpp), then immutable and shared by every card actor.
//
// The whole ruleset is one branching program: instructions that each test
// one thing (a feature against a constant, a string in a set, ...) and
// name the next instruction for either answer. `and`, `or` and `not` are
// only wiring between instructions; where a rule's condition holds, a
// `fire` instruction records the rule, and every rule's end leads to the
// next rule's first test. Evaluation is one loop over pre-resolved tests:
// no names, no maps, no allocation unless a rule fires (its reason is then
// written).
//
// Thread-safe: const.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/rules/detail/rule_ast.hpp"
#include "models/rules/detail/rule_features.hpp"
#include "models/rules/rule_lists.hpp"
#include "models/ruleset.hpp"

namespace fraud::models::rules {

enum class opcode : std::uint8_t {
  // A feature against constants. Every comparison with a constant is a
  // range (x > 300 is [the next double after 300, inf]; x != k is x == k
  // with the successors swapped; a boolean is [1, 1]; a count or a channel
  // is a range of whole numbers), so the common tests are a load and one
  // or two compares, with no branch on the operator.
  f64_range,    // lo <= the double at offset <= hi
  int_range,    // (the 32 bits at offset & mask) - base <= span, unsigned
  channel_in,   // the channel's bit is in the mask a
  num_cmp,      // numbers[a] cmp numbers[b]
  num_in,       // numbers[a] in number_sets[b]
  str_eq,       // strings[a] == strings[b]
  str_in,       // strings[a] in string_sets[b]
  str_in_list,  // strings[a] in the named list b (bound at evaluation)
  fire,         // rules[a] holds; go on at on_true
  end,          // the last instruction
};

struct instr {
  opcode op = opcode::end;
  cmp_op cmp = cmp_op::eq;
  std::uint16_t offset = 0;  // of the field in models::features
  std::uint16_t a = 0;
  std::uint16_t b = 0;
  std::int32_t on_true = 0;
  std::int32_t on_false = 0;
  std::uint32_t mask = 0;  // int_range: 0xff for one byte, else all ones
  std::uint32_t base = 0;
  std::uint32_t span = 0;
  double lo = 0;  // f64_range; for int_range the same range, for the
  double hi = 0;  // compiler's reasoning
};

/// Arithmetic in postfix order over a small stack of doubles.
struct num_op {
  enum class kind : std::uint8_t {
    f64, u32, constant, add, sub, mul, div, neg
  };
  kind what = kind::constant;
  field_ref field{};
  double value = 0;
};

struct num_expr {
  std::vector<num_op> ops;
};

inline constexpr std::size_t max_stack = 64;

/// A string operand: a feature or a constant.
struct str_operand {
  bool constant = false;
  field_kind kind = field_kind::view;
  field_ref field{};
  std::string value;
};

/// One piece of a reason's detail sentence.
struct detail_part {
  enum class kind : std::uint8_t { text, feature, value, limit };
  kind what = kind::text;
  std::string text;
  const feature_info* feature = nullptr;
  int decimals = -1;  // -1: whole numbers as such, else two decimals
};

struct compiled_rule {
  std::string name;
  rule_kind kind = rule_kind::action;
  rule_verdict verdict = rule_verdict::review;
  int points = 0;
  bool shadow = false;
  int value = -1;               // numbers[value], or 0 when -1
  int limit = -1;
  std::vector<detail_part> detail;
};

/// The named lists a program uses, in its list order; null for a list
/// without entries.
using bound_lists = std::vector<const list_entries*>;

struct rule_program {
  std::string text;  // the source, as compiled
  thresholds limits;
  std::vector<compiled_rule> rules;
  std::vector<instr> code;
  std::vector<num_expr> numbers;
  std::vector<str_operand> strings;
  std::vector<std::vector<double>> number_sets;       // sorted
  std::vector<list_entries> string_sets;              // sorted
  std::vector<std::string> list_names;
  std::int32_t entry = 0;  // the first rule's first test

  /// Evaluates every rule in text order; `out` is overwritten.
  void run(const features& f, const bound_lists& lists,
           evaluation& out) const;

  double number(int index, const features& f) const;

private:
  bool test(const instr& i, const features& f, const bound_lists& lists,
            evaluation& out, bool& allowed) const;
  void fire(const compiled_rule& r, const features& f, evaluation& out,
            bool& allowed) const;
};

/// Writes a fired rule's detail sentence into `out`: at most
/// max_detail_bytes bytes, cut between characters and ending "...".
void render_detail(const std::vector<detail_part>& parts, const features& f,
                   double value, double limit, std::string& out);

} // namespace fraud::models::rules
