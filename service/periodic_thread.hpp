// A named thread that calls `tick` every `period` until it is destroyed:
// the dashboard feed's sampler and the loss log run on one each.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fraud::service {

class periodic_thread {
public:
  /// `name` shows in ps and top (at most 15 characters).
  periodic_thread(const char* name, std::chrono::milliseconds period,
                  std::function<void()> tick);
  /// Stops the thread and waits for a tick in progress.
  ~periodic_thread();
  periodic_thread(const periodic_thread&) = delete;
  periodic_thread& operator=(const periodic_thread&) = delete;

private:
  std::mutex mtx_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace fraud::service
