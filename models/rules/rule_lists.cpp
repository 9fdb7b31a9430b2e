#include "models/rules/rule_lists.hpp"

#include <algorithm>

namespace fraud::models::rules {

bool valid_list_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

bool valid_list_value(std::string_view value) {
  if (value.empty() || value.size() > 128)
    return false;
  for (char c : value)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

bool contains(const list_entries& entries, std::string_view value) {
  auto it = std::lower_bound(entries.begin(), entries.end(), value,
                             [](const std::string& a, std::string_view b) {
                               return std::string_view{a} < b;
                             });
  return it != entries.end() && std::string_view{*it} == value;
}

namespace {

void sort_unique(list_entries& entries) {
  // A change usually hands over entries already in order: checking costs
  // n comparisons, sorting n log n of them.
  if (!std::is_sorted(entries.begin(), entries.end()))
    std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
}

} // namespace

named_lists::named_lists(map_type lists) {
  for (auto& [name, entries] : lists) {
    sort_unique(entries);
    if (!entries.empty())
      lists_.emplace(name, std::make_shared<const list_entries>(
                             std::move(entries)));
  }
}

named_lists named_lists::with(const std::string& name,
                              list_entries entries) const {
  named_lists out{*this};
  sort_unique(entries);
  if (entries.empty())
    out.lists_.erase(name);
  else
    out.lists_[name] = std::make_shared<const list_entries>(std::move(entries));
  return out;
}

const list_entries* named_lists::find(std::string_view name) const {
  auto it = lists_.find(name);
  return it == lists_.end() ? nullptr : it->second.get();
}

} // namespace fraud::models::rules
