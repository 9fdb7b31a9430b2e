#include "models/compiled_ruleset.hpp"

namespace fraud::models::rules {

compiled_ruleset::compiled_ruleset(std::shared_ptr<const rule_program> program,
                                   std::shared_ptr<const named_lists> lists,
                                   std::string version)
  : program_(std::move(program)),
    lists_(lists ? std::move(lists) : std::make_shared<named_lists>()),
    version_(std::move(version)) {
  for (auto& name : program_->list_names)
    bound_.push_back(lists_->find(name));
}

std::vector<std::string> compiled_ruleset::empty_lists() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < bound_.size(); ++i)
    if (bound_[i] == nullptr)
      out.push_back(program_->list_names[i]);
  return out;
}

std::shared_ptr<const compiled_ruleset>
make_compiled_ruleset(std::string_view text, std::string version,
                      std::shared_ptr<const named_lists> lists,
                      std::vector<rule_error>& errors) {
  auto c = compile(text);
  if (!c.program) {
    errors = std::move(c.errors);
    return nullptr;
  }
  return std::make_shared<compiled_ruleset>(std::move(c.program),
                                            std::move(lists),
                                            std::move(version));
}

} // namespace fraud::models::rules
