#include "service/nats_decision_sink.hpp"

#include <string>

#include "protocol/codec.hpp"
#include "service/clock.hpp"
#include "service/subjects.hpp"

namespace fraud::service {

nats_decision_sink::nats_decision_sink(natsConnection* conn,
                                       actors::counters& stats)
  : conn_(conn), stats_(stats) {
}

void nats_decision_sink::deliver(const models::decision& d,
                                 const actors::score_request& request) {
  thread_local std::string payload;
  thread_local std::string subject;
  protocol::decision_envelope env;
  env.decided_at_ms = wall_ms();
  // Taken just before encoding, which costs well under a microsecond.
  env.service_latency_ns = steady_ns() - request.received_ns;
  protocol::encode_decision(d, env, payload);
  auto size = static_cast<int>(payload.size());
  if (!request.reply_to.empty()
      && natsConnection_Publish(conn_, request.reply_to.c_str(),
                                payload.data(), size)
           != NATS_OK)
    stats_.publish_errors.add();
  decision_subject(d.action, d.card_id, subject);
  if (natsConnection_Publish(conn_, subject.c_str(), payload.data(), size)
      != NATS_OK)
    stats_.publish_errors.add();
}

} // namespace fraud::service
