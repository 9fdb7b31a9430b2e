// Finds the actor of a card, activating it on first use, and passivates
// cards that are idle or the least recently used beyond a cap, so that
// memory is bounded by the cap, not by the number of cards ever seen.
//
// Each ingress thread owns one directory for the cards of its partition, so
// that routing scales with the number of partitions; a card is always
// routed through the same directory, which partitioning by card guarantees.
// The mutex is per directory; besides routing it is taken only by a query
// looking a card up and by the once-a-second idle sweep.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "actors/card.hpp"
#include "actors/runtime/inline_unit.hpp"
#include "actors/messages.hpp"

namespace fraud::actors {

struct directory_limits {
  std::size_t max_cards = 0;       // live card actors, 0 = no cap
  std::int64_t idle_ns = 0;        // passivate after this long idle, 0 = never
  std::size_t handoff_memory = 4096;  // recently passivated cards remembered
};

class card_directory {
public:
  /// With `run_inline`, an idle card actor handles its request on the
  /// routing thread (see inline_unit); otherwise a scheduler worker does.
  card_directory(caf::actor_system& sys, const card_environment& env,
                 directory_limits limits = {}, bool run_inline = false);

  /// Sends the request to its card's actor. `now_ns`: steady clock.
  void route(score_request&& request, std::int64_t now_ns = 0);

  /// Passivates the cards idle since before now_ns - idle_ns. Returns how
  /// many. Thread-safe.
  std::size_t sweep_idle(std::int64_t now_ns);

  /// The actor of a card that is active now. Thread-safe.
  std::optional<card_actor> find(const std::string& card_id) const;

  /// Active card actors. Thread-safe.
  std::size_t size() const;

private:
  struct entry {
    card_actor handle;
    std::int64_t last_used_ns = 0;
    std::list<const std::string*>::iterator lru;  // front: most recent
  };

  card_actor activate(const std::string& card_id);
  void passivate(std::unordered_map<std::string, entry>::iterator i);

  caf::actor_system& sys_;
  const card_environment& env_;
  directory_limits limits_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, entry> cards_;
  std::list<const std::string*> lru_;
  // Cards passivated lately, with the actor that may still be stopping: a
  // new actor for the card waits for it before loading the snapshot.
  std::unordered_map<std::string, card_actor> stopping_;
  std::deque<std::string> stopping_order_;
  bool run_inline_;
  inline_unit unit_;
};

} // namespace fraud::actors
