#include "service/periodic_thread.hpp"

#include "actors/runtime/thread_setup.hpp"

namespace fraud::service {

periodic_thread::periodic_thread(const char* name,
                                 std::chrono::milliseconds period,
                                 std::function<void()> tick) {
  thread_ = std::thread{[this, name, period, tick = std::move(tick)] {
    actors::name_this_thread(name);
    std::unique_lock<std::mutex> guard{mtx_};
    while (!cv_.wait_for(guard, period, [this] { return stop_; })) {
      guard.unlock();
      tick();
      guard.lock();
    }
  }};
}

periodic_thread::~periodic_thread() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

} // namespace fraud::service
