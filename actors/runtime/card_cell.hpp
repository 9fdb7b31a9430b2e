// A card's state, held by its actor and reachable by the snapshot writer,
// so that a card that had many transactions in an interval is encoded once,
// by the writer, at the end of it, not once per transaction.
//
// The card actor changes the state with `lock` held, marks the cell dirty
// and, the first time it becomes dirty since its last snapshot, lists it
// with the writer (pending_snapshots::mark_dirty: one lock-free push).
// The writer, once per interval, encodes every listed dirty cell with
// `lock` held and clears the marks. Neither waits for the other for longer
// than one transaction or one encode: the lock is the card's own, shared
// with no other card.
//
// The cell is made by the card directory, which keeps it beside the
// card's actor: with --dispatch inline, a transaction for a card whose
// actor has nothing waiting is decided by the routing thread on the cell
// itself (score_for_idle_card in actors/card.hpp), without a message.
// `queued` tells when that is allowed.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <caf/intrusive_ptr.hpp>
#include <caf/make_counted.hpp>
#include <caf/ref_counted.hpp>

#include "models/card_snapshot.hpp"
#include "models/card_state.hpp"
#include "models/recent_decisions.hpp"
#include "models/recent_ids.hpp"

namespace fraud::actors {

/// A one-byte lock (a std::mutex is 40 bytes, in every live card): held
/// for one transaction by the card or one encode by the writer, and
/// almost never contended.
class card_lock {
public:
  void lock() {
    while (held_.exchange(true, std::memory_order_acquire))
      while (held_.load(std::memory_order_relaxed))
        std::this_thread::yield();
  }
  void unlock() { held_.store(false, std::memory_order_release); }

private:
  std::atomic<bool> held_{false};
};

class card_cell : public caf::ref_counted {
public:
  explicit card_cell(std::string id) : card_id(std::move(id)) {}

  /// The snapshot of the state. With `lock` held.
  void encode(std::string& out) const {
    models::save_snapshot(card, recent, decisions, out);
  }

  using guard = std::lock_guard<card_lock>;

  const std::string card_id;
  // Transactions sent through the actor's mailbox and not yet decided,
  // plus one until the actor has started (its state restored). Raised only
  // by the directory's owner thread, before it sends; lowered by the actor
  // once a transaction is decided. While it is above 0 a transaction must
  // go through the mailbox too, behind them.
  std::atomic<std::uint32_t> queued{1};
  card_lock lock;  // guards everything below
  bool dirty = false;   // changed since its last snapshot was taken
  bool listed = false;  // the writer holds it (or it is on its way there)
  // What every transaction reads first, next to the above.
  models::recent_ids recent;          // hashes; kept in the snapshot
  models::recent_decisions decisions; // kept in the snapshot too
  models::card_state card;

  /// Asks the CPU to fetch the whole cell now, all its lines at once,
  /// for a transaction about to be decided: with 100,000s of cards it is
  /// rarely in cache, and line by line, as scoring reads it, each miss
  /// would wait for the one before.
  void prefetch() const {
    auto* p = reinterpret_cast<const char*>(this);
    for (std::size_t at = 0; at < sizeof(card_cell); at += 64)
      __builtin_prefetch(p + at);
  }
};

using card_cell_ptr = caf::intrusive_ptr<card_cell>;

} // namespace fraud::actors
