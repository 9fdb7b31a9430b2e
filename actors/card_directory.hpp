// Finds the actor of a card, activating it on first use.
//
// Not thread-safe, by design: each ingress thread owns one directory for
// the cards of its partition, so that routing takes no lock and scales with
// the number of partitions. A card must always be routed through the same
// directory, which partitioning by card guarantees.
#pragma once

#include <string>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "actors/card.hpp"
#include "actors/messages.hpp"

namespace fraud::actors {

class card_directory {
public:
  card_directory(caf::actor_system& sys, const card_environment& env);

  /// Sends the request to its card's actor.
  void route(score_request&& request);

  std::size_t size() const { return cards_.size(); }

private:
  caf::actor_system& sys_;
  const card_environment& env_;
  std::unordered_map<std::string, card_actor> cards_;
};

} // namespace fraud::actors
