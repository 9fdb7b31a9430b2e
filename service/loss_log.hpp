// One log line when input is refused or something is lost, without a line
// of code on the scoring path: a thread of its own reads the service's
// counters every `period` and, for each that grew, logs how much (warn),
// e.g. "[ingress] 12 malformed transactions rejected in the last 10 s (40
// since start)". A flood of bad input is one line a period per kind, not a
// line per message.
//
// Thread-safe: the counters are atomics; tick() is for tests.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>

#include "actors/counters.hpp"
#include "service/periodic_thread.hpp"

namespace fraud::service {

class loss_log {
public:
  /// Without own_thread, only tick() looks (tests).
  explicit loss_log(const actors::counters& stats,
                    std::chrono::milliseconds period = std::chrono::seconds(10),
                    bool own_thread = true);
  ~loss_log();

  /// Looks at the counters now; returns the lines it logged.
  int tick();

  static constexpr std::size_t watched = 12;

private:
  const actors::counters& stats_;
  const std::chrono::milliseconds period_;
  std::array<std::uint64_t, watched> last_{};  // tick()'s, and the thread's
  std::chrono::steady_clock::time_point last_at_;
  std::unique_ptr<periodic_thread> looker_;  // last: stopped first
};

} // namespace fraud::service
