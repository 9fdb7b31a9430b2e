// Counters of what the service did, read by stats and at shutdown.
//
// Thread-safe: every counter is a relaxed atomic on its own cache line, so
// the ingress threads and the card actors' workers never share a line they
// both write.
#pragma once

#include <atomic>
#include <cstdint>

namespace fraud::actors {

struct alignas(64) counter {
  std::atomic<std::uint64_t> value{0};

  void add(std::uint64_t n = 1) {
    value.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

// A value that goes up and down, set by the one thread that knows it.
struct alignas(64) level {
  std::atomic<std::uint64_t> value{0};

  void set(std::uint64_t v) { value.store(v, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct counters {
  counter received;          // messages on transaction subjects
  counter routed;            // handed to a card actor
  counter approved;
  counter reviewed;
  counter declined;
  counter rejected_malformed;
  counter rejected_invalid;
  counter rejected_subject;
  counter rejected_shutdown;
  counter rejected_overloaded;  // a writer's backlog at its bound: not scored
  counter cards_activated;   // card actors spawned
  counter publish_errors;    // replies or decisions NATS did not accept
  counter duplicates;        // re-sent tx_ids answered with the first decision
  counter resend_reads;      // of those, read from the store (not in memory)
  counter refused;           // re-sends whose first decision was unreadable:
                             // answered with an error, never scored twice
  counter store_written;     // decisions committed to the store
  counter store_dropped;     // decisions not stored: the queue was full
  counter store_errors;      // failed store writes or lookups
  counter passivations;      // card actors stopped, idle or over the cap
  counter restored;          // card actors activated from a snapshot
  counter snapshots_written;
  counter snapshots_encoded; // card states encoded: at most one a card an
                             // interval, plus one at each passivation
  counter snapshot_errors;   // failed snapshot writes or reads
  counter snapshot_corrupt;  // snapshots that did not load: card started fresh
  counter snapshot_dropped;  // snapshots not queued: the queue was full
  counter queries;           // requests on fraud.query.* and fraud.stats
  counter query_errors;      // of those, answered NOT_FOUND or BAD_REQUEST
  counter changes_denied;    // rules or lists changes not signed by a
                             // trusted analyst (PERMISSION_DENIED)
  counter requests_limited;  // requests answered LIMIT_EXCEEDED (any subject)
  level store_failing;       // the store's failed write attempts in a row
                             // now (0: writing); readiness reads it
  counter entities_activated;   // device, IP and merchant actors spawned
  counter entity_passivations;  // of those, stopped: idle or over the cap
  counter entity_misses;        // entity views not had (the actor stopped
                                // meanwhile): scored with that entity unseen
  // In a cluster, the entity observations shared between instances:
  counter entity_observations_sent;      // published for the others
  counter entity_observations_dropped;   // not published: the outbox was
                                         // full, or the publication failed
  counter entity_observations_received;  // others', folded into entities here
  counter entity_observations_refused;   // received but unusable (a batch
                                         // that does not parse counts 1)
  counter cases_resolved;    // fraud.cases.resolve that changed a case
  counter labels_added;      // labels new or changed (fraud.labels, cases)
  counter labels_unchanged;  // labels sent again: nothing changed
  counter labels_refused;    // fraud.labels requests refused (bad input)
  counter models_refused;    // fraud.model.set or rollback refused: the
                             // model did not load, nothing changed

  std::uint64_t decided() const {
    return approved.get() + reviewed.get() + declined.get();
  }
  std::uint64_t rejected() const {
    return rejected_malformed.get() + rejected_invalid.get()
           + rejected_subject.get() + rejected_shutdown.get()
           + rejected_overloaded.get();
  }
};

} // namespace fraud::actors
