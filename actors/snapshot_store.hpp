// Card state, written behind. Card actors queue a snapshot after every
// transaction (lock-free, after the decision went out). The snapshot
// writer, a detached actor, takes them off the queue every absorb
// interval, keeps the newest per card and writes them to SQLite in chunks
// every interval. A card being activated reads its newest snapshot on its
// own thread (find_snapshot), wherever it is: queued, pending, or on disk,
// through a read connection of that thread's own. Loads never wait for a
// write, nor for another thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/counters.hpp"
#include "actors/messages.hpp"
#include "actors/snapshot_backend.hpp"
#include "actors/store_queue.hpp"

namespace fraud::actors {

/// Snapshots taken from the queue and not yet on disk, newest per card.
/// Thread-safe: the writer and the reader share it; the queue's single
/// consumer is whoever holds the mutex.
class pending_snapshots {
public:
  struct item {
    std::string card_id;
    std::string bytes;
    std::uint64_t version;
  };

  pending_snapshots(store_queue& queue, counters& stats);

  /// The newest snapshot of a card not yet on disk.
  bool find(const std::string& card_id, std::string& out);

  /// Copies up to `max` pending snapshots into `out` (cleared first).
  void take(std::size_t max, std::vector<item>& out);

  /// Forgets what was written, unless a newer snapshot came meanwhile.
  void written(const std::vector<item>& batch);

  /// Takes what is queued into the pending map. The writer calls it often,
  /// so that find() (on an activating card's thread) has little to take.
  void absorb_queue();

  std::size_t size();

private:
  void absorb(); // with mtx_ held

  struct entry {
    std::string bytes;
    std::uint64_t version;
  };

  std::mutex mtx_;
  store_queue& queue_;
  counters& stats_;
  std::unordered_map<std::string, entry> pending_;
  std::uint64_t next_version_ = 0;
};

struct snapshot_environment {
  pending_snapshots* pending = nullptr;
  snapshot_backend* backend = nullptr;  // the writer's connection
  counters* stats = nullptr;
  std::chrono::milliseconds interval{1000};
  // How often the queue is taken into the pending map: it bounds the work
  // an activating card may find queued in front of its lookup. Every
  // interval / absorb_interval ticks, the pending snapshots are written.
  std::chrono::milliseconds absorb_interval{5};
  std::size_t max_batch = 2000;  // per SQLite transaction
  int thread_nice = 0;  // the writer thread's nice value (0: unchanged)
};

struct snapshot_writer_state {
  std::vector<pending_snapshots::item> batch;
  std::size_t ticks_since_write = 0;
  static inline const char* name = "snapshot_writer";
};

/// Spawn with caf::detached. Ticks itself every interval.
snapshot_writer_actor::behavior_type
snapshot_writer(snapshot_writer_actor::stateful_pointer<snapshot_writer_state> self,
                snapshot_environment env);

/// The newest snapshot of a card: pending, else what `reads` holds ("" when
/// there is none). Called on the activating card actor's thread; `reads`
/// must be safe to call from any thread (the service gives each thread a
/// connection of its own).
caf::expected<std::string> find_snapshot(pending_snapshots& pending,
                                         snapshot_backend& reads,
                                         const std::string& card_id);

/// A queued snapshot record: the card id's length, the id, the snapshot.
void encode_snapshot_record(std::string_view card_id,
                            std::string_view snapshot, std::string& out);
bool decode_snapshot_record(std::string_view record, std::string_view& card_id,
                            std::string_view& snapshot);

} // namespace fraud::actors
