#include "simulator/progress_line.hpp"

#include <chrono>
#include <cstdio>
#include <unistd.h>

#include "service/client/clock.hpp"

namespace fraud::simulator {

progress_line::progress_line(bool enabled, std::function<counts()> read)
  : read_(std::move(read)), started_ns_(service::steady_ns()) {
  if (enabled)
    thread_ = std::thread{[this] { run(); }};
}

progress_line::~progress_line() {
  if (!thread_.joinable())
    return;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool progress_line::stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

void progress_line::run() {
  std::unique_lock<std::mutex> lock{mutex_};
  while (!wake_.wait_for(lock, std::chrono::milliseconds(500),
                         [this] { return stop_; }))
    print(false);
  print(true);
}

void progress_line::print(bool last) {
  auto c = read_();
  double elapsed = static_cast<double>(service::steady_ns() - started_ns_) / 1e9;
  double rate = elapsed > 0 ? static_cast<double>(c.sent) / elapsed : 0;
  std::fprintf(stderr,
               "\rfraud-sim: %7.0f tx/s   sent %9llu   decided %9llu   "
               "rejected %6llu   elapsed %6.1f s%s",
               rate, static_cast<unsigned long long>(c.sent),
               static_cast<unsigned long long>(c.decided),
               static_cast<unsigned long long>(c.rejected), elapsed,
               last ? "\n" : "");
  std::fflush(stderr);
}

} // namespace fraud::simulator
