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
#include "service/sqlite_connection.hpp"

namespace fraud::service {

class shadow_queries {
public:
  static fraud::expected<std::unique_ptr<shadow_queries>>
  open(const std::string& path);

  /// Every shadow rule that fired on decisions made since `since_ms`,
  /// most hits first.
  fraud::expected<std::vector<protocol::shadow_rule_hits>>
  hits(std::int64_t since_ms);

  /// The latest encoded decisions `rule` fired on, newest first.
  fraud::expected<std::vector<std::string>>
  decisions(const std::string& rule, std::int64_t since_ms,
            std::uint32_t limit);

private:
  shadow_queries() = default;
  std::unique_ptr<sqlite_connection> db_;
};

} // namespace fraud::service
