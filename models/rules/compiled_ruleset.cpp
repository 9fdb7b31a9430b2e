#include "models/rules/compiled_ruleset.hpp"

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

std::vector<rule_name> compiled_ruleset::rule_names() const {
  std::vector<rule_name> out;
  out.reserve(program_->rules.size());
  for (auto& r : program_->rules)
    out.push_back({r.name, r.shadow});
  return out;
}

std::vector<std::string> compiled_ruleset::empty_lists() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < bound_.size(); ++i)
    if (bound_[i] == nullptr)
      out.push_back(program_->list_names[i]);
  return out;
}

expected<std::shared_ptr<const compiled_ruleset>>
make_compiled_ruleset(std::string_view text, std::string version,
                      std::shared_ptr<const named_lists> lists) {
  auto c = compile(text);
  if (!c.program) {
    std::string what;
    for (auto& e : c.errors) {
      if (!what.empty())
        what += '\n';
      what += to_string(e);
    }
    return error{ec::bad_request, std::move(what)};
  }
  return std::shared_ptr<const compiled_ruleset>{std::make_shared<
    compiled_ruleset>(std::move(c.program), std::move(lists),
                      std::move(version))};
}

} // namespace fraud::models::rules
