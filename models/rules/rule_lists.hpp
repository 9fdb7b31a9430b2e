// Named lists of values (cards, devices, merchants, IPs, countries) that
// rules test with `x in list NAME`. A named_lists is an immutable snapshot:
// a change builds a new one, and the ruleset that uses it is rebuilt, so a
// transaction sees one whole version of every list. Snapshots share the
// lists a change leaves alone, so a change costs the list it changes, not
// all of them.
//
// Thread-safe once built (const).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
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

  /// This snapshot with `name` holding `entries` instead (sorted here;
  /// none: the list goes); every other list is shared, not copied.
  named_lists with(const std::string& name, list_entries entries) const;

  /// The list `name`, or null when it has no entries.
  const list_entries* find(std::string_view name) const;

  /// How many lists have entries.
  std::size_t size() const { return lists_.size(); }

  /// Calls f(name, entries) for each list, in name order.
  template <class F>
  void each(F f) const {
    for (auto& [name, entries] : lists_)
      f(name, *entries);
  }

private:
  std::map<std::string, std::shared_ptr<const list_entries>, std::less<>>
    lists_;
};

} // namespace fraud::models::rules
