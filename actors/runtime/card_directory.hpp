// Finds the actor of a card, activating it on first use, and passivates
// cards that are idle or the least recently used beyond a cap, so that
// memory is bounded by the cap, not by the number of cards ever seen.
// The cards are in an open-addressing table (card_table.hpp) whose hand
// chooses who gives way at the cap; the idle sweep walks the table in
// passes, a slice at a time.
//
// Owned by one thread. Each ingress thread owns the directory of its
// partition, so that routing scales with the number of partitions; a card
// is always routed through the same directory, which partitioning by card
// guarantees. Only the owner routes, sweeps and reads the maps, so routing
// takes no lock. Other threads may only ask, through the members marked
// "any thread": request_sweep() and lookup() leave work that the owner does
// itself between transactions (upkeep_due(), answer_lookups(),
// sweep_slice()), in slices short enough that a transaction arriving
// meanwhile waits for one slice at most: neither the idle sweep of 100,000
// cards nor a query can stall scoring.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "actors/card.hpp"
#include "actors/messages.hpp"
#include "actors/runtime/card_lookups.hpp"
#include "actors/runtime/card_table.hpp"
#include "actors/runtime/inline_unit.hpp"

namespace fraud::actors {

struct directory_limits {
  std::size_t max_cards = 0;       // live card actors, 0 = no cap
  std::int64_t idle_ns = 0;        // passivate after this long idle, 0 = never
  std::size_t handoff_memory = 4096;  // recently passivated cards remembered
};

class card_directory {
public:
  /// With `run_inline`, an idle card's transaction is decided on the owner
  /// thread: by the owner itself on the card's cell when nothing of the
  /// card waits in its actor's mailbox (score_for_idle_card), else by the
  /// actor resumed here (see inline_unit); otherwise a scheduler worker
  /// does.
  card_directory(caf::actor_system& sys, const card_environment& env,
                 directory_limits limits = {}, bool run_inline = false);

  card_directory(const card_directory&) = delete;
  card_directory& operator=(const card_directory&) = delete;

  // --- owner thread ---

  /// Sends the request to its card's actor. `now_ns`: steady clock.
  void route(score_request&& request, std::int64_t now_ns = 0);

  /// Passivates at once every card idle since before now_ns - idle_ns.
  /// Returns how many.
  std::size_t sweep_idle(std::int64_t now_ns);

  /// The actor of a card that is active now.
  std::optional<card_actor> find(const std::string& card_id) const;

  /// Whether a sweep or a lookup waits for the owner. Cheap enough to ask
  /// after every transaction: two relaxed atomic loads.
  bool upkeep_due() const {
    return pass_at_ns_ != no_sweep
           || sweep_at_ns_.load(std::memory_order_relaxed) != no_sweep
           || lookups_.waiting();
  }

  /// Answers the lookups other threads are waiting for.
  void answer_lookups();

  /// Forgets every card and returns their actors (the stopping ones too),
  /// for a caller that stops them all: a partition handed over. Only once
  /// nothing routes any more.
  std::vector<card_actor> release_all();

  /// One slice of the requested sweep: passivates at most `max_cards`
  /// cards idle as of the request, looking at most at
  /// sweep_looks_per_card * max_cards cards. Returns whether more may be
  /// left. A sweep is a pass over the table; a newer request that comes
  /// during one is done by the rest of that pass and, for the part already
  /// passed, by one more.
  bool sweep_slice(std::size_t max_cards);

  static constexpr std::size_t sweep_looks_per_card = 64;

  // --- any thread ---

  /// Asks for a sweep as of `now_ns` (steady clock), done by the owner in
  /// slices; a newer request replaces one not yet done.
  void request_sweep(std::int64_t now_ns);

  /// The actor of a card that is active now, as the owner answers: nullopt
  /// if it is not, after close_lookups(), or if the owner does not answer
  /// within `wait` (it answers between transactions and when idle).
  std::optional<card_actor>
  lookup(const std::string& card_id,
         std::chrono::milliseconds wait = std::chrono::seconds(1)) const;

  /// The owner has stopped for good: lookups are answered "not active".
  void close_lookups() { lookups_.close(); }

  /// Transactions decided by the owner on an idle card's cell, without a
  /// message to its actor (run_inline only). Owner thread.
  std::uint64_t decided_here() const { return decided_here_; }

  /// Active card actors, as of the owner's last change.
  std::size_t size() const { return active_.load(std::memory_order_relaxed); }

private:
  static constexpr std::int64_t no_sweep =
    std::numeric_limits<std::int64_t>::min();

  card_actor activate(const std::string& card_id, card_cell_ptr cell);
  void passivate(std::size_t index);
  bool idle(std::size_t index, std::int64_t now_ns) const {
    return now_ns - cards_[index].last_used_ns >= limits_.idle_ns;
  }

  // Immutable after construction.
  caf::actor_system& sys_;
  const card_environment& env_;  // outlives the directory
  const directory_limits limits_;
  const bool run_inline_;

  // Owner thread only: no lock guards them because no other thread touches
  // them.
  card_table cards_;
  // The sweep under way: its `now` (no_sweep: none), the next entry it
  // looks at, and whether a newer request came after it began (the entries
  // already passed need one more pass).
  std::int64_t pass_at_ns_ = no_sweep;
  std::size_t pass_next_ = 0;
  bool pass_again_ = false;
  std::uint64_t decided_here_ = 0;
  // Cards passivated lately, with the actor that may still be stopping: a
  // new actor for the card waits for it before loading the snapshot.
  std::unordered_map<std::string, card_actor> stopping_;
  std::deque<std::string> stopping_order_;  // keys of stopping_, oldest first
  inline_unit unit_;  // runs card actors on the owner thread

  // Shared with other threads; each is thread-safe on its own.
  std::atomic<std::size_t> active_{0};  // cards_.size(), stored by the owner
  // The `now` of the sweep asked for (by request_sweep on any thread),
  // no_sweep once the owner has done it.
  std::atomic<std::int64_t> sweep_at_ns_{no_sweep};
  mutable card_lookups lookups_;  // asked by any thread, answered by owner
};

} // namespace fraud::actors
