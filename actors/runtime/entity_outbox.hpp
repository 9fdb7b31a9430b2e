// In a cluster, the entity observations of this instance's cards on their
// way to the other instances (README: "Entity state"): card actors push,
// the publisher (service/entity_exchange.hpp) drains and sends them in
// batches.
//
// push() is what the scoring path pays: one small allocation and one
// atomic exchange (actors::store_queue), no lock, no wake-up. When
// `capacity` observations wait, push() refuses and the caller counts the
// loss: a publisher that falls behind costs the other instances a few
// observations, never this one's latency or memory.
//
// Thread-safe for any number of pushers and one drainer.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "actors/runtime/store_queue.hpp"
#include "models/entity_features.hpp"

namespace fraud::actors {

class entity_outbox {
public:
  explicit entity_outbox(std::size_t capacity) : queue_(capacity) {}

  /// Queues one transaction's observation: its use, whether it was
  /// declined, its entities' ids ("" for a kind it names none of). False
  /// when the queue is full (or an id is longer than any valid one).
  bool push(const models::entity_use& use, bool declined,
            const std::array<std::string_view, models::entity_kinds>& ids);

  /// Drainer only: appends up to `max` of the oldest observations to
  /// `out`; returns how many.
  std::size_t drain(std::vector<models::entity_observation>& out,
                    std::size_t max);

  /// Observations waiting (approximate while pushes race).
  std::size_t size() const { return queue_.size(); }
  std::size_t capacity() const { return queue_.capacity(); }

private:
  store_queue queue_;
};

} // namespace fraud::actors
