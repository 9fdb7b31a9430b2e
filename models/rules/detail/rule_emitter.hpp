// The compiler's second pass (models/rule_compiler.hpp): a checked rule
// text into a rule_program's code. Each condition becomes a branching
// program of range and membership tests, built backwards (successors
// first), with constants folded and tests an earlier answer decides
// skipped; numbers, strings, sets and list names go to the program's
// tables.
//
// Not thread-safe: one per compilation. Expects conditions that passed
// the type check (models/rule_types.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/rules/detail/rule_ast.hpp"
#include "models/rules/rule_diagnostic.hpp"
#include "models/rules/rule_program.hpp"

namespace fraud::models::rules {

class rule_emitter {
public:
  /// Emits into `p`; problems found while emitting go to `errors`.
  rule_emitter(rule_program& p, std::vector<rule_diagnostic>& errors);
  ~rule_emitter();

  /// The first instruction of `e`, which goes on to `t` when `e` holds and
  /// to `f` when it does not (or t / f itself when `e` is a constant).
  std::int32_t cond(const expr& e, std::int32_t t, std::int32_t f);

  /// An instruction that fires rules[rule] and goes on at `next`.
  std::int32_t fire(std::size_t rule, std::int32_t next, position at);

  /// The index in the program's numbers of `e` computed.
  std::uint16_t number(const expr& e);

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

} // namespace fraud::models::rules
