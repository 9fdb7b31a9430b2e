#include "actors/runtime/log.hpp"

#include <chrono>
#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>

namespace fraud::log {

namespace {

constexpr const char* pattern = "%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v";

// All components share one sink, so their lines never interleave.
spdlog::sink_ptr shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

std::mutex registry_mtx;  // guards the creation of component loggers
std::atomic<int> current_level{spdlog::level::info};

} // namespace

spdlog::logger& component(const char* name) {
  if (auto existing = spdlog::get(name))
    return *existing;
  std::lock_guard<std::mutex> guard{registry_mtx};
  if (auto existing = spdlog::get(name))
    return *existing;
  auto made = std::make_shared<spdlog::logger>(name, shared_sink());
  made->set_pattern(pattern, spdlog::pattern_time_type::utc);
  made->set_level(static_cast<spdlog::level::level_enum>(current_level.load()));
  spdlog::register_logger(made);
  return *made;
}

bool configure_logging(const std::string& level) {
  auto l = spdlog::level::from_str(level);
  // from_str answers "off" for a name it does not know.
  if (l == spdlog::level::off && level != "off")
    return false;
  current_level = l;
  spdlog::set_level(l);  // every logger registered so far
  return true;
}

std::int64_t log_limiter::admit(std::int64_t now_ns) {
  constexpr std::int64_t minute = 60'000'000'000;
  auto this_minute = static_cast<std::uint64_t>(now_ns / minute) << 32;
  auto seen = window_.load(std::memory_order_relaxed);
  for (;;) {
    bool same_minute = (seen & ~0xffffffffull) == this_minute;
    auto admitted = same_minute ? seen & 0xffffffffull : 0;
    if (admitted >= per_minute_) {
      suppressed_.fetch_add(1, std::memory_order_relaxed);
      return -1;
    }
    if (window_.compare_exchange_weak(seen, this_minute | (admitted + 1),
                                      std::memory_order_relaxed))
      break;
  }
  return static_cast<std::int64_t>(
    suppressed_.exchange(0, std::memory_order_relaxed));
}

std::int64_t log_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace fraud::log
