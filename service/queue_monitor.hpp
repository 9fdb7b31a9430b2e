// How long transactions wait before fraudd reads them. The service latency
// starts in the ingress callback, so time spent queued before it (in the
// NATS client's pending queue, behind a paused or overloaded process) is
// invisible there; this watches the queues from outside.
//
// Every `period` it samples each subscription's pending messages and bytes,
// how many messages the service took since the last sample, and the round
// trip of a PING on the ingress connection (its PONG comes back behind
// whatever nats-server has queued for us). The estimated wait is that
// round trip plus pending / rate (Little's law); a sample that comes late
// (the process was paused or starved of CPU) adds its lateness, since
// nothing was read meanwhile. The figures
// go into stats (fraud.stats, fraudctl stats) and, when the estimate
// passes `warn_ms` or the NATS client reports slow-consumer events, into
// the log (at most a line a minute, with what was held back).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace fraud::service {

struct queue_sample {
  std::uint64_t pending_msgs = 0;   // over all subscriptions, now
  std::uint64_t pending_bytes = 0;
  std::uint64_t taken = 0;          // messages the service took, ever
  std::uint64_t slow_consumers = 0; // events the NATS client reported, ever
  double rtt_ms = 0;                // PING to PONG on the ingress connection
};

struct queue_status {
  std::uint64_t pending_msgs = 0;
  std::uint64_t pending_bytes = 0;
  std::uint64_t pending_max = 0;    // the most pending at any sample
  double delay_ms = 0;              // estimate now
  double delay_max_ms = 0;          // the largest estimate since start
  std::uint64_t slow_consumers = 0;
};

class queue_monitor {
public:
  /// `sample` is called on the monitor's thread; it must be thread-safe.
  /// Without `own_thread`, only tick() samples (tests).
  queue_monitor(std::function<queue_sample()> sample,
                std::chrono::milliseconds period = std::chrono::milliseconds{
                  250},
                double warn_ms = 250, bool own_thread = true);
  ~queue_monitor();

  /// The latest figures. Thread-safe.
  queue_status status() const;

  /// Takes one sample now (the thread does this every period). For tests.
  void tick(std::chrono::steady_clock::time_point now);

private:
  void run();

  const std::function<queue_sample()> sample_;
  const std::chrono::milliseconds period_;
  const double warn_ms_;

  mutable std::mutex mtx_;  // guards everything below
  queue_status status_;
  queue_sample last_;
  std::chrono::steady_clock::time_point last_at_{};
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread thread_;
};

} // namespace fraud::service
