// Waiting in tests for what happens on other threads or in other
// processes: a decision stored, a writer's first tick, a process ready.
//
// The timeout bounds a broken build, it does not measure anything: a
// passing test returns as soon as the condition holds, so a generous
// timeout costs nothing and keeps a loaded CI machine from failing it.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace fraud::test {

/// Asks `condition` until it returns true or `timeout` has passed; true
/// if it did. Asked at least once, and once more at the deadline, so a
/// condition that holds at the end is never reported as a timeout.
template <class Condition>
bool eventually(Condition&& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  // Short enough to add little to a test, long enough that the polling
  // does not take the CPU from the threads it waits for (2 cores here).
  constexpr auto poll = std::chrono::milliseconds(5);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition())
      return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
      poll, deadline - now));
  }
}

} // namespace fraud::test
