// Finds the actor of a device, IP address or merchant, activating it on
// first use, and passivates entities that are idle or the least recently
// used beyond a cap, so that memory is bounded by the cap (about 1 kB of
// state an entity: models::entity_state) whatever the traffic.
//
// Unlike cards, which partitioning gives to one ingress thread each, an
// entity is used by cards of every partition, so the directory is shared:
// it is cut into shards by the entity's key, each behind its own mutex,
// held only to find or insert the key (and, rarely, to spawn the actor).
// The entity's state itself is touched only by its actor.
//
// Thread-safe. Entity state is not written anywhere: its windows are at
// most a day long, and a passivated or restarted entity starts empty
// (README: "Entity state").
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/counters.hpp"
#include "actors/messages.hpp"

namespace fraud::actors {

struct entity_limits {
  std::size_t max_entities = 0;  // live entity actors, 0 = no cap
  std::int64_t idle_ns = 0;      // passivate after this long idle, 0 = never
};

class entity_directory {
public:
  static constexpr std::size_t shards = 64;

  entity_directory(caf::actor_system& sys, entity_limits limits,
                   counters* stats);
  ~entity_directory();

  entity_directory(const entity_directory&) = delete;
  entity_directory& operator=(const entity_directory&) = delete;

  /// The actor of the entity, activated if it has none. `now_ns`: steady
  /// clock, for idleness.
  entity_actor find(models::entity_kind kind, std::string_view id,
                    std::int64_t now_ns);

  /// Passivates every entity idle since before now_ns - idle_ns; returns
  /// how many. One shard locked at a time.
  std::size_t sweep_idle(std::int64_t now_ns);

  /// Stops every entity actor and forgets them all.
  void stop_all();

  /// Live entity actors.
  std::size_t size() const { return active_.load(std::memory_order_relaxed); }

private:
  struct entry {
    entity_actor handle;
    std::int64_t last_used_ns = 0;
    std::list<const std::string*>::iterator lru;  // front: most recent
  };
  struct shard {
    std::mutex mtx;
    std::unordered_map<std::string, entry> entities;
    std::list<const std::string*> lru;
  };

  void passivate(shard& s, std::unordered_map<std::string, entry>::iterator i);

  caf::actor_system& sys_;
  const entity_limits limits_;
  const std::size_t shard_cap_;  // 0 = no cap
  counters* stats_;
  std::array<shard, shards> shards_;
  std::atomic<std::size_t> active_{0};
};

} // namespace fraud::actors
