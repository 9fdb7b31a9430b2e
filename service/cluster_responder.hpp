// Answers fraud.query.cluster (README: Cluster) with what this instance
// sees: the live instances, each partition's lease, and what it owns. Every
// instance answers; outside a cluster the answer says so.
//
// Thread-safe: nats.c calls it on the subscription's own thread; `view`
// must be callable from there until the responder is destroyed.
#pragma once

#include <functional>

#include <nats/nats.h>

#include "actors/counters.hpp"
#include "models/error.hpp"
#include "protocol/cluster_codec.hpp"

namespace fraud::service {

class cluster_responder {
public:
  cluster_responder(natsConnection* conn, actors::counters& stats,
                    std::function<protocol::cluster_view()> view);
  ~cluster_responder();  // unsubscribes: no callback runs after it

  fraud::error start();

private:
  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg,
                         void* closure);

  natsConnection* const conn_;
  actors::counters& stats_;
  const std::function<protocol::cluster_view()> view_;
  natsSubscription* sub_ = nullptr;
};

} // namespace fraud::service
