// The two clocks of the service: steady nanoseconds for latency, wall-clock
// milliseconds for timestamps a person reads. Event time comes from the
// transaction, never from here.
#pragma once

#include <chrono>
#include <cstdint>

namespace fraud::service {

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace fraud::service
