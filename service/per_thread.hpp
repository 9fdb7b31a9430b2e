// One object per calling thread, made on the thread's first call and kept
// until the pool goes: how SQLite read connections are shared by threads
// that must never wait for one another (each connection is its thread's;
// the mutex is held only to find it).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "models/error.hpp"

namespace fraud::service {

template <class T>
class per_thread {
public:
  using opener = std::function<fraud::expected<std::unique_ptr<T>>()>;

  explicit per_thread(opener open) : open_(std::move(open)) {}

  /// This thread's object, opened now if it has none. Thread-safe; a
  /// failed open is returned, and tried again on the next call.
  fraud::expected<T*> get() {
    std::lock_guard<std::mutex> guard{mtx_};
    auto id = std::this_thread::get_id();
    if (auto i = objects_.find(id); i != objects_.end())
      return i->second.get();
    auto made = open_();
    if (!made)
      return made.error();
    return objects_.emplace(id, std::move(*made)).first->second.get();
  }

private:
  const opener open_;
  std::mutex mtx_;  // guards objects_ (the map), not the objects
  std::unordered_map<std::thread::id, std::unique_ptr<T>> objects_;
};

} // namespace fraud::service
