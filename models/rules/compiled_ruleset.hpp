// A compiled rule text bound to a snapshot of the named lists, under a
// version name: a models::ruleset like any other, so the service swaps it
// through actors::ruleset_slot and offline tools score with it.
//
// Immutable and thread-safe. A change of lists makes a new
// compiled_ruleset around the same program (no recompilation).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/error.hpp"
#include "models/rules/rule_compiler.hpp"
#include "models/rules/rule_lists.hpp"
#include "models/rules/rule_program.hpp"
#include "models/ruleset.hpp"

namespace fraud::models::rules {

class compiled_ruleset final : public ruleset {
public:
  compiled_ruleset(std::shared_ptr<const rule_program> program,
                   std::shared_ptr<const named_lists> lists,
                   std::string version);

  const std::string& version() const override { return version_; }

  std::vector<rule_name> rule_names() const override;

  void evaluate(const features& f, evaluation& out) const override {
    program_->run(f, bound_, out);
  }

  const std::shared_ptr<const rule_program>& program() const {
    return program_;
  }
  const std::shared_ptr<const named_lists>& lists() const { return lists_; }

  /// The lists the rules name that have no entries: worth a warning, as a
  /// misspelt list name matches nothing.
  std::vector<std::string> empty_lists() const;

private:
  std::shared_ptr<const rule_program> program_;
  std::shared_ptr<const named_lists> lists_;
  bound_lists bound_;
  std::string version_;
};

/// The text of the default ruleset (models/default.rules, built in).
std::string_view default_rules_text();

/// Compiles `text` and binds it to `lists` (none when null): the ruleset,
/// or BAD_REQUEST whose words are the compile errors, one a line ("line 3,
/// column 14: ..."). For the errors one by one, call compile().
expected<std::shared_ptr<const compiled_ruleset>>
make_compiled_ruleset(std::string_view text, std::string version,
                      std::shared_ptr<const named_lists> lists);

} // namespace fraud::models::rules
