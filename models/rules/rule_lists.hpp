// Named lists of values (cards, devices, merchants, IPs, countries) that
// rules test with `x in list NAME`. A named_lists is an immutable snapshot:
// a change builds a new one, and the ruleset that uses it is rebuilt, so a
// transaction sees one whole version of every list.
//
// Thread-safe once built (const).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fraud::models::rules {

/// [a-z_][a-z0-9_]* up to 64 characters.
bool valid_list_name(std::string_view name);

/// 1 to 128 printable ASCII characters.
bool valid_list_value(std::string_view value);

/// Sorted, without repeats: what a membership test searches.
using list_entries = std::vector<std::string>;

/// Whether `value` is in `entries`; no allocation.
bool contains(const list_entries& entries, std::string_view value);

class named_lists {
public:
  using map_type = std::map<std::string, list_entries, std::less<>>;

  named_lists() = default;

  /// Sorts each list and drops repeats and empty lists.
  explicit named_lists(map_type lists);

  /// The list `name`, or null when it has no entries.
  const list_entries* find(std::string_view name) const;

  const map_type& all() const { return lists_; }

private:
  map_type lists_;
};

} // namespace fraud::models::rules
