#include "service/queue_monitor.hpp"

#include <algorithm>
#include <utility>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"

namespace fraud::service {

queue_monitor::queue_monitor(std::function<queue_sample()> sample,
                             std::chrono::milliseconds period, double warn_ms,
                             bool own_thread)
  : sample_(std::move(sample)), period_(period), warn_ms_(warn_ms) {
  if (own_thread)
    thread_ = std::thread{[this] { run(); }};
}

queue_monitor::~queue_monitor() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

queue_status queue_monitor::status() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return status_;
}

void queue_monitor::run() {
  actors::setup_this_thread_once("fraud-queues", 0);
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stop_) {
    lock.unlock();
    tick(std::chrono::steady_clock::now());
    lock.lock();
    cv_.wait_for(lock, period_, [this] { return stop_; });
  }
}

void queue_monitor::tick(std::chrono::steady_clock::time_point now) {
  auto s = sample_();
  std::lock_guard<std::mutex> guard{mtx_};
  auto first = last_at_ == std::chrono::steady_clock::time_point{};
  auto seconds = std::chrono::duration<double>(now - last_at_).count();
  status_.pending_msgs = s.pending_msgs;
  status_.pending_bytes = s.pending_bytes;
  status_.pending_max = std::max(status_.pending_max, s.pending_msgs);
  status_.slow_consumers = s.slow_consumers;
  if (!first && seconds > 0) {
    auto rate = static_cast<double>(s.taken - last_.taken) / seconds;
    // Nothing taken with messages waiting: they have waited at least
    // since the last sample.
    auto queued = s.pending_msgs == 0 ? 0
                  : rate > 0
                    ? 1000.0 * static_cast<double>(s.pending_msgs) / rate
                    : status_.delay_ms + 1000.0 * seconds;
    // A late sample: for that long nothing here ran, nor read anything.
    auto late = std::max(0.0, 1000.0 * seconds
                                - 2.0 * static_cast<double>(period_.count()));
    status_.delay_ms = s.rtt_ms + queued + late;
    status_.delay_max_ms = std::max(status_.delay_max_ms, status_.delay_ms);
    if (status_.delay_ms > warn_ms_)
      FRAUD_LOG_LIMITED(1, warn, "ingress",
                        "transactions wait about {:.0f} ms before fraudd "
                        "reads them ({} pending, {} bytes)",
                        status_.delay_ms, s.pending_msgs, s.pending_bytes);
    if (s.slow_consumers > last_.slow_consumers)
      FRAUD_LOG_LIMITED(1, err, "ingress",
                        "slow consumer: the NATS client dropped messages "
                        "({} events so far)",
                        s.slow_consumers);
  }
  last_ = s;
  last_at_ = now;
}

} // namespace fraud::service
