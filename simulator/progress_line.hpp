// The line a long replay keeps rewriting on a terminal: rate, sent,
// decided, rejected, elapsed. A thread of its own wakes twice a second; nothing is
// printed when stderr is not a terminal (unless forced).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace fraud::simulator {

class progress_line {
public:
  struct counts {
    std::uint64_t sent = 0;
    std::uint64_t decided = 0;
    std::uint64_t rejected = 0;
  };

  /// Starts printing `read()` every 500 ms when `enabled`.
  progress_line(bool enabled, std::function<counts()> read);
  /// Stops, after one last line.
  ~progress_line();

  /// Whether stderr is a terminal.
  static bool stderr_is_terminal();

private:
  void run();
  void print(bool last);

  std::function<counts()> read_;
  std::int64_t started_ns_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace fraud::simulator
