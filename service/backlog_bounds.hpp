// Back-pressure from the two writers to the ingress. When the decisions
// waiting for the store, or the card snapshots waiting to be written,
// take their bound in memory (--store-queue-mb, --snapshot-queue-mb), new
// transactions are answered OVERLOADED instead of being scored: a decision
// that is made is stored (the store queue's own hard limit, a quarter
// above, takes what was already being scored), and memory stays within
// the bounds however long a writer is behind. The requester retries; the
// refusals are counted (rejected_overloaded).
//
// Thread-safe: two relaxed atomic loads per transaction.
#pragma once

#include <cstddef>
#include <string>

#include "actors/runtime/pending_snapshots.hpp"
#include "actors/runtime/store_queue.hpp"
#include "models/error.hpp"

namespace fraud::service {

struct backlog_bounds {
  const actors::store_queue* decisions = nullptr;  // none: no bound
  std::size_t decision_bytes = 0;
  const actors::pending_snapshots* snapshots = nullptr;
  std::size_t snapshot_bytes = 0;

  /// OVERLOADED, saying which writer is behind, or no error.
  fraud::error check() const {
    if (decisions != nullptr && decisions->bytes() >= decision_bytes)
      return refusal("decisions waiting for the store", decision_bytes,
                     "--store-queue-mb");
    if (snapshots != nullptr && snapshots->bytes() >= snapshot_bytes)
      return refusal("card snapshots waiting to be written", snapshot_bytes,
                     "--snapshot-queue-mb");
    return {};
  }

  /// The store queue's hard limit for a bound: room for what was already
  /// being scored when the ingress began to refuse.
  static std::size_t hard_limit(std::size_t bound) { return bound + bound / 4; }

private:
  static fraud::error refusal(const char* what, std::size_t bound,
                              const char* option) {
    return fraud::error::in_field(
      fraud::ec::overloaded, "",
      std::string{what} + " are at their bound ("
        + std::to_string(bound >> 20) + " MB, " + option + "); retry later");
  }
};

} // namespace fraud::service
