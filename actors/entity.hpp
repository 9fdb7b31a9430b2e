// The entity actor: one per device, IP address or merchant that cards use,
// holding what models::entity_state remembers of it. A card asks the
// entities of a transaction for their views before it scores, and tells
// them the decision after (actors/card.cpp), so every use of an entity is
// recorded in the order it reached the entity's mailbox.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/messages.hpp"
#include "models/entity_features.hpp"
#include "models/entity_state.hpp"

namespace fraud::actors {

struct entity_actor_state {
  models::entity_state entity;
  static inline const char* name = "entity";
};

entity_actor::behavior_type
entity(entity_actor::stateful_pointer<entity_actor_state> self,
       models::entity_kind kind);

/// Where a probe starts: the first entity on its route, with `next` set
/// past it; nullopt when the route is empty (the transaction names no
/// entity, and pays nothing for them).
std::optional<entity_actor> first_stop(entity_probe& probe);

class entity_directory;

/// In a cluster: records the observations another instance's cards made
/// in this instance's entity actors (activating them as a probe would),
/// each after whatever their mailboxes already hold. A batch from
/// `own_instance` (this one's own, echoed back) is skipped whole. Returns
/// how many observations were folded. Thread-safe (the directory is).
std::size_t fold(entity_directory& entities,
                 const models::entity_observations& batch,
                 std::string_view own_instance, std::int64_t now_ns);

} // namespace fraud::actors
