// Card snapshots between a card actor and the disk. Card actors queue a
// snapshot after every transaction (lock-free, after the decision went
// out); the snapshot writer (actors/snapshot_writer.hpp) takes them into
// the pending map and writes them. A card being activated reads its newest
// snapshot on its own thread (find_snapshot), wherever it is: queued,
// pending, or on disk, through a read connection of that thread's own.
// Loads never wait for a write, nor for another thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/error.hpp"

#include "actors/counters.hpp"
#include "actors/snapshot_backend.hpp"
#include "actors/runtime/store_queue.hpp"

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

  /// Copies up to `max` pending snapshots into `out` (cleared first);
  /// with `which`, only those of the cards it says.
  void take(std::size_t max, std::vector<item>& out,
            const std::function<bool(const std::string&)>& which = {});

  /// Forgets what was written, unless a newer snapshot came meanwhile.
  void written(const std::vector<item>& batch);

  /// Forgets every snapshot, queued or pending, of the cards `which` says:
  /// state another instance now owns, which must not be overwritten with
  /// this one's older copy. Returns how many.
  std::size_t discard(const std::function<bool(const std::string&)>& which);

  /// How many cards `which` says have a snapshot queued or pending (not
  /// yet written, or being written).
  std::size_t count(const std::function<bool(const std::string&)>& which);

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

/// The newest snapshot of a card: pending, else what `reads` holds ("" when
/// there is none). Called on the activating card actor's thread; `reads`
/// must be safe to call from any thread (the service gives each thread a
/// connection of its own).
fraud::expected<std::string> find_snapshot(pending_snapshots& pending,
                                         snapshot_backend& reads,
                                         const std::string& card_id);

/// A queued snapshot record: the card id's length, the id, the snapshot.
void encode_snapshot_record(std::string_view card_id,
                            std::string_view snapshot, std::string& out);
bool decode_snapshot_record(std::string_view record, std::string_view& card_id,
                            std::string_view& snapshot);

} // namespace fraud::actors
