#include "service/request_limits.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace fraud::service {

void declare_limit_options(CLI::App& app, request_limits& l) {
  app.add_option("--rules-max-bytes", l.rules_max_bytes,
                 "the largest rule text fraud.rules.set takes; a larger one "
                 "is LIMIT_EXCEEDED before it is compiled")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1024},
                       protocol::rules_max_bytes_ceiling));
  app.add_option("--rules-compiles-per-s", l.rules_compiles_per_s,
                 "rule texts compiled a second (fraud.rules.set, dry runs "
                 "included, and rollback); beyond, LIMIT_EXCEEDED at once, "
                 "without compiling")
    ->capture_default_str()
    ->check(CLI::Range(0.001, 1000.0));
  app.add_option("--rules-compile-burst", l.rules_compile_burst,
                 "compiles allowed at once before --rules-compiles-per-s "
                 "applies")
    ->capture_default_str()
    ->check(CLI::Range(1.0, 1000.0));
  app.add_option("--list-max-entries", l.list_max_entries,
                 "values one named list may hold; an add past it is "
                 "LIMIT_EXCEEDED and changes nothing")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  app.add_option("--lists-max", l.lists_max,
                 "named lists there may be; an add that would start one "
                 "more is LIMIT_EXCEEDED")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
  app.add_option("--query-max-steps", l.query_max_steps,
                 "SQLite steps one search may take (fraud.query.card, "
                 ".decisions, fraud.rules.shadow; about 0.05-0.5 us each); "
                 "a search stopped by it returns what it found with a "
                 "cursor, or LIMIT_EXCEEDED when it found nothing")
    ->capture_default_str()
    ->check(CLI::Range(std::uint64_t{1000}, std::uint64_t{1} << 40));
}

std::size_t reply_budget(std::int64_t server_max_payload) {
  if (server_max_payload <= 0)
    return protocol::max_reply_bytes;
  return std::min(protocol::max_reply_bytes,
                  static_cast<std::size_t>(server_max_payload));
}

} // namespace fraud::service
