// The decision store actor: runs detached (its own thread, since SQLite
// blocks), takes the decisions card actors queued, and writes them in
// batches. Scoring never waits for it.
#pragma once

#include <chrono>
#include <cstdint>

#include "actors/counters.hpp"
#include "actors/messages.hpp"
#include "actors/store_backend.hpp"
#include "actors/runtime/store_queue.hpp"

namespace fraud::actors {

struct store_environment {
  store_queue* queue = nullptr;
  store_backend* backend = nullptr;
  counters* stats = nullptr;
  std::chrono::milliseconds flush_interval{5};
  std::size_t max_batch = 20'000;
  int retention_days = 0;  // 0: keep forever
  std::chrono::milliseconds purge_interval{60'000};
  int thread_nice = 0;  // the writer thread's nice value (0: unchanged)
};

struct decision_store_state {
  std::chrono::steady_clock::time_point last_purge{};
  static inline const char* name = "decision_store";
};

/// Spawn with caf::detached. Ticks itself every flush_interval.
decision_store_actor::behavior_type
decision_store(decision_store_actor::stateful_pointer<decision_store_state> self,
               store_environment env);

/// Writes everything queued now; returns the number written. Exposed for
/// tests and the actor's handlers.
std::size_t drain_queue(const store_environment& env);

} // namespace fraud::actors
