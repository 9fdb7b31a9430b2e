#include "simulator/latency_summary.hpp"

#include <algorithm>
#include <cmath>

namespace fraud::simulator {

latency_summary summarize_latency(std::vector<std::int64_t>& ns) {
  latency_summary s;
  s.count = ns.size();
  if (ns.empty())
    return s;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    auto rank = static_cast<std::size_t>(std::ceil(q * ns.size()));
    return static_cast<double>(ns[std::max<std::size_t>(rank, 1) - 1]) / 1000.0;
  };
  s.p50 = at(0.50);
  s.p90 = at(0.90);
  s.p99 = at(0.99);
  s.p999 = at(0.999);
  s.max = static_cast<double>(ns.back()) / 1000.0;
  return s;
}

} // namespace fraud::simulator
