// The request limits of fraudd an operator may tune: part of the one
// config struct (service/config.hpp), declared as options here so that
// --help prints them with the others. The fixed limits, and why each
// default is what it is, are in protocol/request_limits.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/request_limits.hpp"

namespace CLI {
class App;
}

namespace fraud::service {

struct request_limits {
  std::size_t rules_max_bytes = protocol::default_rules_max_bytes;
  double rules_compiles_per_s = protocol::default_rules_compiles_per_s;
  double rules_compile_burst = protocol::default_rules_compile_burst;
  std::size_t list_max_entries = protocol::default_list_max_entries;
  std::size_t lists_max = protocol::default_lists_max;
  std::uint64_t query_max_steps = protocol::default_query_max_steps;
};

/// Declares the limits' options (--rules-max-bytes, ...) on `app`.
void declare_limit_options(CLI::App& app, request_limits& limits);

/// The most bytes one reply may have on a connection to a server that
/// takes `server_max_payload` (natsConnection_GetMaxPayload; <= 0 when
/// unknown): the smaller of that and protocol::max_reply_bytes.
std::size_t reply_budget(std::int64_t server_max_payload);

/// What the rows of a reply may take: its budget less the headroom the
/// rest of the reply needs.
inline std::size_t row_budget(std::size_t reply_bytes) {
  return reply_bytes > 2 * protocol::reply_headroom
           ? reply_bytes - protocol::reply_headroom
           : reply_bytes / 2;
}

} // namespace fraud::service
