// The snapshot store actor: card state, written behind. Card actors queue
// a snapshot after every transaction (lock-free, after the decision went
// out); this detached actor keeps the newest per card and writes them in
// one SQLite transaction every interval. A card being activated asks it
// for the newest snapshot, wherever it is: queued, pending, or on disk.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <unordered_map>

#include "actors/card_filter.hpp"
#include "actors/counters.hpp"
#include "actors/messages.hpp"
#include "actors/snapshot_backend.hpp"
#include "actors/store_queue.hpp"

namespace fraud::actors {

struct snapshot_environment {
  store_queue* queue = nullptr;
  snapshot_backend* backend = nullptr;
  counters* stats = nullptr;
  std::chrono::milliseconds interval{1000};
  std::size_t max_batch = 2000;  // per write, so that loads get in between
  /// Reads snapshots on its own connection and thread, so that a load never
  /// waits for a write; without it the store reads itself.
  snapshot_reader_actor reader;
};

struct snapshot_store_state {
  // newest snapshot of each card taken from the queue, not yet written
  std::unordered_map<std::string, std::string> pending;
  static inline const char* name = "snapshot_store";
};

/// Spawn with caf::detached. Ticks itself every interval.
snapshot_store_actor::behavior_type
snapshot_store(snapshot_store_actor::stateful_pointer<snapshot_store_state> self,
               snapshot_environment env);

/// Reads snapshots from its backend (its own connection). Spawn detached.
snapshot_reader_actor::behavior_type
snapshot_reader(snapshot_reader_actor::pointer self, snapshot_backend* backend,
                counters* stats);

/// A queued snapshot record: the card id's length, the id, the snapshot.
void encode_snapshot_record(std::string_view card_id,
                            std::string_view snapshot, std::string& out);
bool decode_snapshot_record(std::string_view record, std::string_view& card_id,
                            std::string_view& snapshot);

} // namespace fraud::actors
