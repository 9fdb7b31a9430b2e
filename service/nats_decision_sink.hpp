// Delivers decisions over NATS: the reply to a request, and the
// publication on fraud.decisions.<action>.<card_id> for everyone downstream.
//
// Thread-safe: called from any card actor's worker; encoding buffers are
// thread-local and nats.c publishing is thread-safe.
#pragma once

#include "actors/counters.hpp"
#include "actors/decision_sink.hpp"
#include "service/nats_connection.hpp"

namespace fraud::service {

class nats_decision_sink final : public actors::decision_sink {
public:
  nats_decision_sink(natsConnection* conn, actors::counters& stats);

  void deliver(const models::decision& d,
               const actors::score_request& request) override;

private:
  natsConnection* conn_;
  actors::counters& stats_;
};

} // namespace fraud::service
