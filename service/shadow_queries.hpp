// What shadow rules would have done, read from the decision store: how
// often each fired (by the action the decisions took) and on which
// decisions. Uses its own read-only connection.
//
// Not thread-safe: one instance per querying thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/error.hpp"

#include "protocol/rules_codec.hpp"
#include "service/decision_page.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

class shadow_queries {
public:
  static fraud::expected<std::unique_ptr<shadow_queries>>
  open(const std::string& path);

  /// The shadow rules that fired on decisions made since `since_ms`, most
  /// hits first, at most protocol::max_shadow_rules_listed of them;
  /// LIMIT_EXCEEDED when counting takes more than `max_steps`.
  fraud::expected<std::vector<protocol::shadow_rule_hits>>
  hits(std::int64_t since_ms, std::uint64_t max_steps);

  /// The latest encoded decisions `rule` fired on, newest first, older
  /// than `cursor` (0: the newest), within `bounds`.
  fraud::expected<decision_page>
  decisions(const std::string& rule, std::int64_t since_ms,
            std::int64_t cursor, const page_bounds& bounds);

private:
  shadow_queries() = default;
  std::unique_ptr<sqlite_connection> db_;
};

} // namespace fraud::service
