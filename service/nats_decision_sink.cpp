#include "service/nats_decision_sink.hpp"

#include <cstdio>
#include <string>

#include "actors/runtime/log.hpp"
#include "protocol/codec.hpp"
#include "service/client/clock.hpp"
#include "protocol/subjects.hpp"

namespace fraud::service {

nats_decision_sink::nats_decision_sink(natsConnection* conn,
                                       natsConnection* stream,
                                       actors::counters& stats,
                                       latency_histogram& latency,
                                       actors::store_queue* store)
  : conn_(conn), stream_(stream), stats_(stats), latency_(latency),
    store_(store) {
}

void nats_decision_sink::publish(natsConnection* on, const char* subject,
                                 const std::string& payload) {
  if (natsConnection_Publish(on, subject, payload.data(),
                             static_cast<int>(payload.size()))
      != NATS_OK)
    stats_.publish_errors.add();
}

std::string_view
nats_decision_sink::deliver(const models::decision& d,
                            const actors::score_request& request) {
  thread_local std::string payload;
  thread_local std::string subject;
  protocol::decision_envelope env;
  env.decided_at_ms = wall_ms();
  // Taken just before encoding, which costs well under a microsecond.
  env.service_latency_ns = steady_ns() - request.received_ns;
  protocol::encode_decision(d, env, payload);
  latency_.record(env.service_latency_ns);
  if (!request.reply_to.empty())
    publish(conn_, request.reply_to.c_str(), payload);
  protocol::subjects::decision_subject(d.action, d.card_id, subject);
  publish(stream_, subject.c_str(), payload);
  if (store_ != nullptr && !store_->push(payload)) {
    auto n = stats_.store_dropped.value.fetch_add(1) + 1;
    FRAUD_LOG_LIMITED(6, err, "store",
                      "decision store queue full ({}): {} decisions not "
                      "stored so far",
                      store_->capacity(), n);
  }
  return payload;
}

void nats_decision_sink::deliver_duplicate(
  std::string_view first_decision, const actors::score_request& request) {
  if (request.reply_to.empty())
    return; // a re-published transaction: nobody waits, nothing to redo
  thread_local std::string payload;
  models::decision d;
  protocol::decision_envelope env;
  if (!protocol::decode_decision(first_decision.data(), first_decision.size(),
                                 d, env).ok()) {
    stats_.store_errors.add();
    return;
  }
  env.duplicate = true;
  protocol::encode_decision(d, env, payload);
  publish(conn_, request.reply_to.c_str(), payload);
}

void nats_decision_sink::refuse(const fraud::error& why,
                                const actors::score_request& request) {
  if (request.reply_to.empty())
    return;
  thread_local std::string payload;
  protocol::decision_envelope env;
  env.decided_at_ms = wall_ms();
  env.service_latency_ns = steady_ns() - request.received_ns;
  protocol::encode_rejected_decision(request.tx.tx_id, request.tx.card_id,
                                     why, env, payload);
  publish(conn_, request.reply_to.c_str(), payload);
}

} // namespace fraud::service
