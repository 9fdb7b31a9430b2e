// A decision sink for benchmarks without NATS: counts decisions and keeps
// the latency of each from the request's received_ns to its delivery.
//
// Thread-safe: any number of threads deliver at once (card actors'
// workers, or the routing threads of several partitions), each into a lane
// of its own: a count and latencies no other thread writes. (Shared
// counters, added to by every decision, bounced a cache line between the
// two routing threads of pipeline_bench: 7 % of their time, which the
// service's own path does not pay.)
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/decision_sink.hpp"
#include "protocol/codec.hpp"
#include "service/client/clock.hpp"

namespace fraud::bench {

class recording_sink final : public actors::decision_sink {
public:
  /// Keeps the latencies of the first `capacity` decisions of each
  /// delivering thread.
  explicit recording_sink(std::size_t capacity = 0)
    : capacity_(capacity), id_(next_id().fetch_add(1) + 1) {
  }

  /// Encodes the decision as the service's sink does (its cost is part
  /// of the path, and the card keeps the bytes for re-sends). With
  /// BENCH_NO_ENCODE set it does neither, as this sink did before
  /// 2026-12-02: for comparisons with older builds.
  std::string_view deliver(const models::decision& d,
                           const actors::score_request& request) override {
    thread_local std::string payload;
    static const bool skip = std::getenv("BENCH_NO_ENCODE") != nullptr;
    auto latency = service::steady_ns() - request.received_ns;
    if (!skip) {
      protocol::decision_envelope env;
      env.service_latency_ns = latency;
      protocol::encode_decision(d, env, payload);
    }
    record(latency);
    return skip ? std::string_view{} : std::string_view{payload};
  }

  void refuse(const fraud::error&,
              const actors::score_request& request) override {
    record(service::steady_ns() - request.received_ns);
  }

  void deliver_duplicate(std::string_view,
                         const actors::score_request& request) override {
    record(service::steady_ns() - request.received_ns);
  }

  std::uint64_t delivered() const {
    std::lock_guard<std::mutex> guard{mutex_};
    std::uint64_t n = 0;
    for (auto& l : lanes_)
      n += l->delivered.load(std::memory_order_acquire);
    return n;
  }

  /// Starts a new measurement. Call only while no decision is in flight.
  void restart() {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& l : lanes_) {
      l->samples.clear();
      l->delivered.store(0, std::memory_order_release);
    }
  }

  /// The latencies recorded so far, in nanoseconds, every thread's.
  /// Complete once delivered() reached the number of requests sent.
  std::vector<std::int64_t> samples() const {
    std::lock_guard<std::mutex> guard{mutex_};
    std::vector<std::int64_t> all;
    for (auto& l : lanes_) {
      auto n = std::min<std::uint64_t>(
        l->delivered.load(std::memory_order_acquire), l->samples.size());
      all.insert(all.end(), l->samples.begin(),
                 l->samples.begin() + static_cast<long>(n));
    }
    return all;
  }

private:
  // One delivering thread's: written by that thread only.
  struct alignas(64) lane {
    std::atomic<std::uint64_t> delivered{0};
    std::vector<std::int64_t> samples;
  };

  static std::atomic<std::uint64_t>& next_id() {
    static std::atomic<std::uint64_t> id{0};
    return id;
  }

  lane& my_lane() {
    // The lane of this thread for the sink it used last (by id, not
    // address: a sink may be made where a destroyed one was).
    thread_local std::uint64_t sink_id = 0;
    thread_local lane* mine = nullptr;
    if (sink_id != id_) {
      auto l = std::make_unique<lane>();
      l->samples.reserve(capacity_);
      std::lock_guard<std::mutex> guard{mutex_};
      lanes_.push_back(std::move(l));
      mine = lanes_.back().get();
      sink_id = id_;
    }
    return *mine;
  }

  void record(std::int64_t latency) {
    auto& l = my_lane();
    if (l.samples.size() < capacity_)
      l.samples.push_back(latency);
    l.delivered.store(l.delivered.load(std::memory_order_relaxed) + 1,
                      std::memory_order_release);
  }

  const std::size_t capacity_;
  const std::uint64_t id_;
  mutable std::mutex mutex_;  // guards lanes_ (not what is in a lane)
  std::deque<std::unique_ptr<lane>> lanes_;
};

} // namespace fraud::bench
