#include "bench/result_fields.hpp"

#include <cstdio>

namespace fraud::bench {

std::string fields(const std::string& prefix,
                   const simulator::latency_summary& s) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "%s_p50_us=%.1f %s_p90_us=%.1f %s_p99_us=%.1f "
                "%s_p999_us=%.1f %s_max_us=%.1f",
                prefix.c_str(), s.p50, prefix.c_str(), s.p90, prefix.c_str(),
                s.p99, prefix.c_str(), s.p999, prefix.c_str(), s.max);
  return buf;
}

} // namespace fraud::bench
