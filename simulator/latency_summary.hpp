// Percentiles of a set of latencies, in microseconds.
#pragma once

#include <cstdint>
#include <vector>

namespace fraud::simulator {

struct latency_summary {
  std::uint64_t count = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
};

/// Nearest-rank percentiles of `ns` (nanoseconds), reported in
/// microseconds. Reorders `ns`.
latency_summary summarize_latency(std::vector<std::int64_t>& ns);

} // namespace fraud::simulator
