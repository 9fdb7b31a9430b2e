#include "service/change_limits.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

namespace fraud::service {

namespace {

fraud::error exceeded(const char* limit, std::string what) {
  return fraud::error::in_field(ec::limit_exceeded, limit, std::move(what));
}

} // namespace

change_limits::change_limits(const request_limits& limits,
                             token_bucket::clock::time_point now)
  : limits_(limits),
    compiles_(limits.rules_compiles_per_s, limits.rules_compile_burst, now) {
}

fraud::error change_limits::set(std::size_t bytes,
                                token_bucket::clock::time_point now) {
  if (bytes > limits_.rules_max_bytes)
    return exceeded("text", "a rule text is at most "
                              + std::to_string(limits_.rules_max_bytes)
                              + " bytes (--rules-max-bytes), this one has "
                              + std::to_string(bytes));
  return compile(now);
}

fraud::error change_limits::rollback(token_bucket::clock::time_point now) {
  return compile(now);
}

fraud::error change_limits::compile(token_bucket::clock::time_point now) {
  if (compiles_.try_take(now))
    return {};
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
    compiles_.wait(now));
  std::ostringstream what;
  what << "rule texts are compiled at most " << limits_.rules_compiles_per_s
       << " a second, " << limits_.rules_compile_burst
       << " at once (--rules-compiles-per-s, --rules-compile-burst): try "
          "again in "
       << wait.count() << " ms";
  return exceeded("rules_compiles_per_s", what.str());
}

fraud::error change_limits::add(const models::rules::named_lists& lists,
                                const std::string& list,
                                const std::vector<std::string>& values) const {
  auto* entries = lists.find(list);
  if (entries == nullptr && lists.size() >= limits_.lists_max)
    return exceeded("lists_max",
                    "there are " + std::to_string(lists.size())
                      + " lists, the most there may be (--lists-max): '"
                      + list + "' would be one more");
  auto have = entries == nullptr ? 0 : entries->size();
  // Values already in, and repeats within the request, add nothing.
  auto fresh = values;
  std::sort(fresh.begin(), fresh.end());
  fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
  std::size_t added = 0;
  for (auto& v : fresh)
    if (entries == nullptr || !models::rules::contains(*entries, v))
      ++added;
  if (have + added > limits_.list_max_entries)
    return exceeded("list_max_entries",
                    "list '" + list + "' may hold "
                      + std::to_string(limits_.list_max_entries)
                      + " values (--list-max-entries); it holds "
                      + std::to_string(have) + " and this adds "
                      + std::to_string(added));
  return {};
}

} // namespace fraud::service
