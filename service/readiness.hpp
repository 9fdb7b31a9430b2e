// /healthz and /readyz: whether fraudd is alive, and whether it is fit to
// be sent transactions (README: Health).
//
// Alive is answered by the HTTP server itself: a process that answers is
// alive. Ready is a judgement on facts the service gathers lock-free (the
// NATS connections' callbacks, the ingress state, the store writer's
// failures in a row); assess() is pure, so each reason is unit-tested.
#pragma once

#include <cstdint>
#include <string>

namespace fraud::service {

struct readiness_facts {
  bool started = false;         // start() finished
  bool draining = false;        // stop() began: intake is closing
  bool nats_connected = false;  // every connection fraudd answers on
  bool subscribed = false;      // the transaction subscriptions are live
                                // (in a cluster: the lease thread runs)
  std::uint64_t store_failing = 0;  // failed store writes in a row
};

struct readiness_report {
  bool ready = false;
  std::string reason;  // why not, for a person; "ready" when ready
};

/// The first reason in this order: not started, draining, NATS, subscribed,
/// store.
readiness_report assess(const readiness_facts& facts);

} // namespace fraud::service
