// The decision store actor: runs detached (its own thread, since SQLite
// blocks), takes the decisions card actors queued, and writes them in
// batches. Scoring never waits for it.
//
// A batch that fails to write (a full disk, a locked or broken file) is
// kept and written again, first, after a back-off that doubles up to
// retry_max; meanwhile decisions wait in the queue, and only those that do
// not fit it are dropped, each one counted (store_dropped) by whoever
// pushed it. When the disk recovers, writing resumes by itself. At
// shutdown, flush keeps trying for at most final_flush, then counts what
// it could not write as dropped and says so.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "actors/counters.hpp"
#include "actors/messages.hpp"
#include "actors/runtime/store_queue.hpp"
#include "actors/store_backend.hpp"

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
  std::chrono::milliseconds retry_min{50};    // first back-off after a failure
  std::chrono::milliseconds retry_max{5'000};
  std::chrono::milliseconds final_flush{10'000};  // flush's bound at shutdown
};

/// What the writer holds between ticks. Owned by the store actor's thread.
class decision_writer {
public:
  explicit decision_writer(store_environment env) : env_(env) {}
  ~decision_writer();
  decision_writer(const decision_writer&) = delete;
  decision_writer& operator=(const decision_writer&) = delete;

  /// Writes what is queued, in batches, unless a failed batch is waiting
  /// out its back-off. Returns the decisions written now.
  std::size_t write_pending(std::chrono::steady_clock::time_point now);

  /// Writes everything queued, retrying failures until `deadline`; what is
  /// still unwritten then is dropped and counted. Returns how many were
  /// dropped.
  std::size_t flush_all(std::chrono::steady_clock::time_point deadline);

  /// Decisions in a failed batch, waiting to be written again.
  std::size_t retained() const { return batch_.size(); }

  const store_environment& env() const { return env_; }

private:
  // Fills batch_ from the queue unless it holds a failed batch already.
  void fill();
  // One write attempt of batch_; false when it failed.
  bool write_batch(std::chrono::steady_clock::time_point now);
  void release_batch();

  store_environment env_;
  std::vector<store_queue::node*> batch_;
  std::vector<std::string_view> payloads_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::uint64_t failures_in_a_row_ = 0;
};

struct decision_store_state {
  std::chrono::steady_clock::time_point last_purge{};
  std::unique_ptr<decision_writer> writer;
  static inline const char* name = "decision_store";
};

/// Spawn with caf::detached. Ticks itself every flush_interval.
decision_store_actor::behavior_type
decision_store(decision_store_actor::stateful_pointer<decision_store_state> self,
               store_environment env);

} // namespace fraud::actors
