// The one logger: spdlog, one named logger per component ("store",
// "cards", "nats", ...), one line per event, on stderr. fraudd sets the
// level and format once (configure_logging); code anywhere below logs with
// FRAUD_LOG(level, component, fmt, args...).
//
// Lines that input can trigger (one per transaction, per message, per
// failed batch) go through FRAUD_LOG_LIMITED instead: at most `per_minute`
// of them from that line of code a minute, and the first one let through
// after a quiet spell says how many were held back. The scoring path never
// logs at info level.
//
// Here rather than in service/ because the actors log too, and actors/ is
// the lowest layer that does I/O; this target links spdlog only (no CAF),
// so fraudctl and fraud-sim may use it as well.
//
// Thread-safe: spdlog loggers are (the _mt variants), and so is
// log_limiter.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace fraud::log {

/// The logger of a component, made on first use. Never null.
spdlog::logger& component(const char* name);

/// Level by name: trace, debug, info, warn, error, critical, off. False
/// when the name is none of these.
bool configure_logging(const std::string& level);

/// Line format: "text" (time level [component] message) or "json" (one
/// object a line: time, level, component, message). False for another.
bool configure_log_format(const std::string& format);

/// `s` as the inside of a JSON string, appended to `out`: quotes,
/// backslashes and control characters escaped, bytes that are not UTF-8
/// replaced by U+FFFD (a log line may quote input, which can be anything).
void json_escape(std::string_view s, std::string& out);

/// Admits at most `per_minute` events in each minute of the clock.
/// Lock-free.
class log_limiter {
public:
  explicit log_limiter(std::uint32_t per_minute) : per_minute_(per_minute) {
  }

  /// -1: hold this one back. Otherwise it may be logged, and the value is
  /// how many were held back since the last one admitted.
  std::int64_t admit(std::int64_t now_ns);

  /// Events held back since the last one admitted.
  std::uint64_t suppressed() const {
    return suppressed_.load(std::memory_order_relaxed);
  }

private:
  const std::uint32_t per_minute_;
  // The minute (of the steady clock) in the high 32 bits, the events
  // admitted in it in the low 32: one word, so that a new minute and its
  // first event are one compare-and-swap.
  std::atomic<std::uint64_t> window_{0};
  std::atomic<std::uint64_t> suppressed_{0};
};

/// The steady clock in ns, for log_limiter.
std::int64_t log_clock_ns();

} // namespace fraud::log

#define FRAUD_LOG(lvl, name, ...)                                            \
  ::fraud::log::component(name).log(::spdlog::level::lvl, __VA_ARGS__)

// `fmt` must be a string literal: the count of lines held back is appended.
#define FRAUD_LOG_LIMITED(per_minute, lvl, name, fmt, ...)                   \
  do {                                                                       \
    static ::fraud::log::log_limiter fraud_log_limiter_{per_minute};         \
    auto fraud_log_held_ =                                                   \
      fraud_log_limiter_.admit(::fraud::log::log_clock_ns());                \
    if (fraud_log_held_ == 0)                                                \
      FRAUD_LOG(lvl, name, fmt, ##__VA_ARGS__);                              \
    else if (fraud_log_held_ > 0)                                            \
      FRAUD_LOG(lvl, name, fmt " ({} more like it held back)",               \
                ##__VA_ARGS__, fraud_log_held_);                             \
  } while (false)
