// Finds the actor of a card, activating it on first use.
//
// Each ingress thread owns one directory for the cards of its partition, so
// that routing scales with the number of partitions; a card is always
// routed through the same directory, which partitioning by card guarantees.
// The mutex is per directory and only ever contended by a query looking a
// card up (find), never by another partition's traffic.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "actors/card.hpp"
#include "actors/inline_unit.hpp"
#include "actors/messages.hpp"

namespace fraud::actors {

class card_directory {
public:
  /// With `run_inline`, an idle card actor handles its request on the
  /// routing thread (see inline_unit); otherwise a scheduler worker does.
  card_directory(caf::actor_system& sys, const card_environment& env,
                 bool run_inline = false);

  /// Sends the request to its card's actor.
  void route(score_request&& request);

  /// The actor of a card that is active now. Thread-safe.
  std::optional<card_actor> find(const std::string& card_id) const;

  /// Active card actors. Thread-safe.
  std::size_t size() const;

private:
  mutable std::mutex mtx_;
  caf::actor_system& sys_;
  const card_environment& env_;
  std::unordered_map<std::string, card_actor> cards_;
  bool run_inline_;
  inline_unit unit_;
};

} // namespace fraud::actors
