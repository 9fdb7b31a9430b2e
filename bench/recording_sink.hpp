// A decision sink for benchmarks without NATS: counts decisions and keeps
// the latency of each from the request's received_ns to its delivery.
//
// Thread-safe: any number of card actors' workers deliver at once; each
// decision takes its own slot of a buffer sized up front.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "actors/decision_sink.hpp"
#include "protocol/codec.hpp"
#include "service/client/clock.hpp"

namespace fraud::bench {

class recording_sink final : public actors::decision_sink {
public:
  /// Keeps the latencies of the first `capacity` decisions.
  explicit recording_sink(std::size_t capacity = 0) : samples_(capacity) {
  }

  /// Encodes the decision as the service's sink does (its cost is part
  /// of the path, and the card keeps the bytes for re-sends). With
  /// BENCH_NO_ENCODE set it does neither, as this sink did before
  /// 2026-12-02: for comparisons with older builds.
  std::string_view deliver(const models::decision& d,
                           const actors::score_request& request) override {
    thread_local std::string payload;
    static const bool skip = std::getenv("BENCH_NO_ENCODE") != nullptr;
    if (!skip) {
      protocol::decision_envelope env;
      env.service_latency_ns = service::steady_ns() - request.received_ns;
      protocol::encode_decision(d, env, payload);
    }
    record(request);
    return skip ? std::string_view{} : std::string_view{payload};
  }

  void refuse(const fraud::error&,
              const actors::score_request& request) override {
    record(request);
  }

  void deliver_duplicate(std::string_view,
                         const actors::score_request& request) override {
    record(request);
  }

  std::uint64_t delivered() const {
    return delivered_.load(std::memory_order_acquire);
  }

  /// Starts a new measurement: the next decision takes the first slot.
  /// Call only while no decision is in flight.
  void restart() {
    claimed_.store(0, std::memory_order_relaxed);
    delivered_.store(0, std::memory_order_release);
  }

  /// The latencies recorded so far (at most capacity), in nanoseconds.
  /// Complete once delivered() reached the number of requests sent.
  std::vector<std::int64_t> samples() const {
    auto n = std::min<std::uint64_t>(delivered(), samples_.size());
    return {samples_.begin(), samples_.begin() + static_cast<long>(n)};
  }

private:
  void record(const actors::score_request& request) {
    auto latency = service::steady_ns() - request.received_ns;
    auto n = claimed_.fetch_add(1, std::memory_order_relaxed);
    if (n < samples_.size())
      samples_[n] = latency;
    delivered_.fetch_add(1, std::memory_order_release);
  }

  std::vector<std::int64_t> samples_;
  std::atomic<std::uint64_t> claimed_{0};    // slots taken
  std::atomic<std::uint64_t> delivered_{0};  // slots written
};

} // namespace fraud::bench
