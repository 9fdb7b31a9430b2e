// Delivers decisions: the reply to a request, the publication on
// fraud.decisions.<action>.<card_id> for everyone downstream, and the
// hand-off to the decision store; records the service latency.
//
// Thread-safe: called from any card actor's worker; encoding buffers are
// thread-local, nats.c publishing is thread-safe, the store queue and the
// histogram are lock-free.
#pragma once

#include "actors/counters.hpp"
#include "actors/decision_sink.hpp"
#include "actors/runtime/store_queue.hpp"
#include "service/latency_histogram.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::service {

class nats_decision_sink final : public actors::decision_sink {
public:
  /// Replies go on `conn`; the publication for everyone downstream on
  /// `stream` (may be the same connection, or one that batches).
  /// `store` may be null: decisions are then not stored.
  nats_decision_sink(natsConnection* conn, natsConnection* stream,
                     actors::counters& stats, latency_histogram& latency,
                     actors::store_queue* store);

  std::string_view deliver(const models::decision& d,
                           const actors::score_request& request) override;

  void deliver_duplicate(std::string_view first_decision,
                         const actors::score_request& request) override;

  void refuse(const fraud::error& why,
              const actors::score_request& request) override;

private:
  void publish(natsConnection* on, const char* subject,
               const std::string& payload);

  natsConnection* conn_;
  natsConnection* stream_;
  actors::counters& stats_;
  latency_histogram& latency_;
  actors::store_queue* store_;
};

} // namespace fraud::service
