// The snapshot writer: a detached actor that takes queued card snapshots
// (and the cards listed dirty) into the pending map every absorb interval,
// and every interval encodes each dirty card once and writes the newest
// snapshot of each card to SQLite (or the key-value bucket) in chunks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "actors/counters.hpp"
#include "actors/messages.hpp"
#include "actors/runtime/pending_snapshots.hpp"
#include "actors/snapshot_backend.hpp"

namespace fraud::actors {

struct snapshot_environment {
  pending_snapshots* pending = nullptr;
  snapshot_backend* backend = nullptr;  // the writer's connection
  counters* stats = nullptr;
  std::chrono::milliseconds interval{1000};
  // How often the queue is taken into the pending map: it bounds the work
  // an activating card may find queued in front of its lookup. Every
  // interval / absorb_interval ticks, the pending snapshots are written.
  std::chrono::milliseconds absorb_interval{5};
  std::size_t max_batch = 2000;  // per write (SQLite transaction, KV batch)
  // The group of a card, for a flush of one group (in a cluster: the
  // card's partition, so that a handover writes only that partition's
  // cards). Unset: a group flush writes everything.
  std::function<std::uint32_t(std::string_view card_id)> group_of;
  int thread_nice = 0;  // the writer thread's nice value (0: unchanged)
};

struct snapshot_writer_state {
  std::vector<pending_snapshots::item> batch;
  std::size_t ticks_since_write = 0;
  bool writing_backlog = false;  // more chunks of this interval's write
  std::chrono::steady_clock::time_point last_encode{};
  static inline const char* name = "snapshot_writer";
};

/// Spawn with caf::detached. Ticks itself every interval.
snapshot_writer_actor::behavior_type
snapshot_writer(snapshot_writer_actor::stateful_pointer<snapshot_writer_state> self,
                snapshot_environment env);

} // namespace fraud::actors
