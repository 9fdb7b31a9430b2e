// The RESULT lines bench programs print and scripts/bench.sh reads:
// "key=value" fields, latencies in microseconds.
#pragma once

#include <string>

#include "simulator/latency_summary.hpp"

namespace fraud::bench {

/// "prefix_p50_us=… prefix_p90_us=… prefix_p99_us=… prefix_p999_us=…
/// prefix_max_us=…".
std::string fields(const std::string& prefix,
                   const simulator::latency_summary& s);

} // namespace fraud::bench
