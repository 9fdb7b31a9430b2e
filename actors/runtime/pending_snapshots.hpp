// Card snapshots between a card actor and the disk. A card actor does not
// encode its state after every transaction: it marks its cell dirty
// (runtime/card_cell.hpp) and lists it here the first time (lock-free).
// The snapshot writer (actors/snapshot_writer.hpp) encodes the listed
// dirty cells once per interval, into the pending map, and writes them:
// a card with 50 transactions in an interval costs one encode and one
// write. A card being passivated (or handing over) encodes itself at once
// and queues the snapshot (lock-free), so that its next activation finds
// it. A card being activated reads its newest snapshot on its own thread
// (find_snapshot), wherever it is: queued, pending, or on disk, through a
// read connection of that thread's own. Loads never wait for a write.
#pragma once

#include <atomic>
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
#include "actors/runtime/card_cell.hpp"
#include "actors/runtime/store_queue.hpp"

namespace fraud::actors {

/// Snapshots taken from the queue or encoded from dirty cells and not yet
/// on disk, newest per card, and the dirty cells not yet encoded.
/// Thread-safe: the writer and the reader share it; the queues' single
/// consumer is whoever holds the mutex.
class pending_snapshots {
public:
  struct item {
    std::string card_id;
    std::string bytes;
    std::uint64_t version;
  };

  pending_snapshots(store_queue& queue, counters& stats);
  ~pending_snapshots();

  pending_snapshots(const pending_snapshots&) = delete;
  pending_snapshots& operator=(const pending_snapshots&) = delete;

  /// Card actor, with cell.lock held, after changing the state: marks it
  /// dirty and, unless it is already, lists it for the next encode. False
  /// when it could not be listed (out of memory; counted): the next
  /// change tries again.
  bool mark_dirty(card_cell& cell);

  /// Encodes the listed dirty cells (with `which`, of those cards only)
  /// into the pending map, a few at a time so that a lookup never waits
  /// long. The writer calls it once per interval, before take(). Returns
  /// how many were encoded.
  std::size_t encode_dirty(
    const std::function<bool(const std::string&)>& which = {});

  /// The newest snapshot of a card not yet on disk.
  bool find(const std::string& card_id, std::string& out);

  /// Copies up to `max` pending snapshots into `out` (cleared first);
  /// with `which`, only those of the cards it says.
  void take(std::size_t max, std::vector<item>& out,
            const std::function<bool(const std::string&)>& which = {});

  /// Forgets what was written, unless a newer snapshot came meanwhile.
  void written(const std::vector<item>& batch);

  /// Forgets every snapshot, queued, pending or dirty, of the cards `which`
  /// says:
  /// state another instance now owns, which must not be overwritten with
  /// this one's older copy. Returns how many.
  std::size_t discard(const std::function<bool(const std::string&)>& which);

  /// How many cards `which` says have a snapshot queued, pending or dirty
  /// (not yet written, or being written).
  std::size_t count(const std::function<bool(const std::string&)>& which);

  /// Takes what is queued into the pending map (and the newly listed
  /// cells into the dirty list). The writer calls it often, so that find()
  /// (on an activating card's thread) has little to take.
  void absorb_queue();

  /// Snapshots not yet written: queued, pending, and cells listed dirty.
  std::size_t size() const;

  /// Memory held by snapshots not yet written, queued or pending (each
  /// with an estimate of its map entry's overhead): what grows when the
  /// writer falls behind. Dirty cells are not in it: their state is the
  /// live card's. Thread-safe, lock-free.
  std::size_t bytes() const {
    return bytes_.load(std::memory_order_relaxed) + queue_.bytes();
  }

  /// Cells encoded per hold of the mutex by encode_dirty().
  static constexpr std::size_t encode_chunk = 32;

private:
  void absorb(); // with mtx_ held
  void absorb_dirty(); // with mtx_ held
  // With mtx_ held: the cell's snapshot into the pending map, if dirty.
  bool encode_cell(card_cell& cell);
  // With mtx_ held: a listed cell out of the dirty map, encoded (if it
  // was dirty: then true).
  bool encode_listed(std::unordered_map<std::string_view,
                                        card_cell_ptr>::iterator i);

  struct entry {
    std::string bytes;
    std::uint64_t version;
  };
  using map = std::unordered_map<std::string, entry>;

  // With mtx_ held: a card's newest snapshot in, an entry out; both keep
  // bytes_ up to date.
  void store(std::string_view card, std::string_view bytes);
  map::iterator erase(map::iterator i);
  static std::size_t cost(const std::string& card, const entry& e);
  // A map node, its key's and value's string headers.
  static constexpr std::size_t entry_overhead = 112;

  mutable std::mutex mtx_;
  store_queue& queue_;
  counters& stats_;
  map pending_;
  std::uint64_t next_version_ = 0;
  std::atomic<std::size_t> bytes_{0};  // of pending_'s entries
  // Cells listed by their actors (each holds a reference, given back by
  // whoever pops it), then, taken in, by card (the key is the cell's own
  // id): one listed cell a card.
  store_queue listed_{static_cast<std::size_t>(-1)};
  using dirty_map = std::unordered_map<std::string_view, card_cell_ptr>;
  dirty_map dirty_;
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
