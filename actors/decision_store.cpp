#include "actors/decision_store.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"

namespace fraud::actors {

namespace {

using clock = std::chrono::steady_clock;

void maybe_purge(decision_store_state& st, const store_environment& env) {
  if (env.retention_days <= 0)
    return;
  auto now = clock::now();
  if (now - st.last_purge < env.purge_interval)
    return;
  st.last_purge = now;
  auto wall_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto cutoff = wall_now - std::int64_t{env.retention_days} * 86'400'000;
  if (auto purged = env.backend->purge_before(cutoff); !purged) {
    env.stats->store_errors.add();
    FRAUD_LOG_LIMITED(6, err, "store", "retention purge failed: {}",
                      fraud::to_string(purged.error()));
  }
}

} // namespace

decision_writer::~decision_writer() {
  // Only reached without a flush (a failed start): nothing to count.
  release_batch();
}

void decision_writer::release_batch() {
  for (auto* n : batch_)
    store_queue::release(n);
  env_.queue->settle(batch_.size());
  batch_.clear();
  payloads_.clear();
}

void decision_writer::fill() {
  if (!batch_.empty())
    return;
  while (batch_.size() < env_.max_batch) {
    auto* n = env_.queue->pop();
    if (n == nullptr)
      break;
    batch_.push_back(n);
    payloads_.push_back(n->payload());
  }
}

bool decision_writer::write_batch(clock::time_point now) {
  auto written = env_.backend->write(payloads_);
  if (written) {
    // Rows new to the store: a re-insert of a tx_id already there is not.
    env_.stats->store_written.add(*written);
    if (failures_in_a_row_ > 0)
      FRAUD_LOG(warn, "store",
                "writing again after {} failed attempts; {} decisions queued",
                failures_in_a_row_, env_.queue->size());
    failures_in_a_row_ = 0;
    env_.stats->store_failing.set(0);
    backoff_ = std::chrono::milliseconds{0};
    release_batch();
    return true;
  }
  ++failures_in_a_row_;
  env_.stats->store_failing.set(failures_in_a_row_);
  env_.stats->store_errors.add();
  backoff_ = backoff_.count() == 0
               ? env_.retry_min
               : std::min(backoff_ * 2, env_.retry_max);
  retry_at_ = now + backoff_;
  FRAUD_LOG_LIMITED(6, err, "store",
                    "writing {} decisions failed ({}); kept, retrying in {} "
                    "ms; {} more queued",
                    batch_.size(), fraud::to_string(written.error()),
                    backoff_.count(), env_.queue->size());
  return false;
}

std::size_t decision_writer::write_pending(clock::time_point now) {
  std::size_t total = 0;
  for (;;) {
    if (!batch_.empty() && now < retry_at_)
      return total;  // a failed batch waits out its back-off
    fill();
    if (batch_.empty())
      return total;
    auto n = batch_.size();
    if (!write_batch(now))
      return total;
    total += n;
    if (n < env_.max_batch)
      return total;
  }
}

std::size_t decision_writer::flush_all(clock::time_point deadline) {
  for (;;) {
    fill();
    if (batch_.empty())
      return 0;
    auto now = clock::now();
    if (now < retry_at_)
      std::this_thread::sleep_for(std::min(retry_at_, deadline) - now);
    if (clock::now() >= deadline && failures_in_a_row_ > 0)
      break;
    write_batch(clock::now());
  }
  // Out of time with a store that keeps failing: what is left is lost, and
  // counted as such.
  std::size_t lost = batch_.size();
  release_batch();
  while (auto* n = env_.queue->pop()) {
    store_queue::release(n);
    env_.queue->settle(1);
    ++lost;
  }
  env_.stats->store_dropped.add(lost);
  FRAUD_LOG(critical, "store",
            "{} decisions not stored: the store kept failing until the "
            "shutdown deadline",
            lost);
  return lost;
}

decision_store_actor::behavior_type
decision_store(decision_store_actor::stateful_pointer<decision_store_state> self,
               store_environment env) {
  self->state.last_purge = clock::now();
  self->state.writer = std::make_unique<decision_writer>(env);
  self->delayed_send(self, env.flush_interval, tick_atom::value);
  return {
    [self, env](tick_atom) {
      setup_this_thread_once("fraud-store", env.thread_nice);
      self->state.writer->write_pending(clock::now());
      maybe_purge(self->state, env);
      self->delayed_send(self, env.flush_interval, tick_atom::value);
    },
    [self, env](flush_atom) -> std::uint64_t {
      self->state.writer->flush_all(clock::now() + env.final_flush);
      return env.stats->store_written.get();
    },
  };
}

} // namespace fraud::actors
