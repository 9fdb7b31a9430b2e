#include "service/entity_exchange.hpp"

#include <cstring>
#include <string_view>

#include "actors/entity.hpp"
#include "actors/runtime/log.hpp"
#include "protocol/entity_codec.hpp"
#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::service {

entity_exchange::entity_exchange(natsConnection* conn,
                                 actors::entity_outbox& outbox,
                                 actors::entity_directory& entities,
                                 actors::counters& stats,
                                 entity_exchange_options opts)
  : conn_(conn),
    outbox_(outbox),
    entities_(entities),
    stats_(stats),
    opts_(std::move(opts)),
    subject_(protocol::subjects::entities_prefix + opts_.instance) {
  batch_.instance = opts_.instance;
}

entity_exchange::~entity_exchange() {
  end_subscription(conn_, sub_);
  publisher_.reset();  // waits for a batch in progress
  publish_queued();
}

fraud::error entity_exchange::start() {
  auto s = natsConnection_Subscribe(&sub_, conn_,
                                    protocol::subjects::entities_all,
                                    on_message, this);
  if (s != NATS_OK)
    return make_error(ec::nats_error,
                      std::string{"cannot subscribe to "}
                        + protocol::subjects::entities_all + ": "
                        + describe(s));
  publisher_ = std::make_unique<periodic_thread>(
    "fraud-entities", opts_.period, [this] { publish_queued(); });
  return {};
}

void entity_exchange::publish_queued() {
  for (;;) {
    batch_.items.clear();
    auto n = outbox_.drain(batch_.items, opts_.max_batch);
    if (n == 0)
      return;
    protocol::encode(batch_, bytes_);
    auto s = natsConnection_Publish(conn_, subject_.c_str(), bytes_.data(),
                                    static_cast<int>(bytes_.size()));
    if (s == NATS_OK) {
      stats_.entity_observations_sent.add(n);
    } else {
      stats_.entity_observations_dropped.add(n);
      FRAUD_LOG_LIMITED(6, warn, "entities",
                        "{} entity observations not published on {}: {}", n,
                        subject_, describe(s));
    }
  }
}

void entity_exchange::on_message(natsConnection*, natsSubscription*,
                                 natsMsg* msg, void* closure) {
  auto* self = static_cast<entity_exchange*>(closure);
  self->receive(natsMsg_GetSubject(msg), natsMsg_GetData(msg),
                natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

void entity_exchange::receive(const char* subject, const char* data,
                              int size) {
  std::string_view from{subject};
  from.remove_prefix(std::strlen(protocol::subjects::entities_prefix));
  if (from == opts_.instance)
    return;  // our own, back from the server
  // This thread's scratch: a batch's vector and strings are reused.
  thread_local models::entity_observations batch;
  std::size_t refused = 0;
  if (auto err = protocol::decode(data, static_cast<std::size_t>(size),
                                  batch, refused)) {
    stats_.entity_observations_refused.add();
    FRAUD_LOG_LIMITED(6, warn, "entities",
                      "entity observations on {} refused: {}", subject,
                      to_string(err));
    return;
  }
  if (batch.instance != from) {
    stats_.entity_observations_refused.add(batch.items.size() + refused);
    FRAUD_LOG_LIMITED(6, warn, "entities",
                      "entity observations on {} refused: they say they "
                      "come from '{}'",
                      subject, batch.instance);
    return;
  }
  if (refused > 0) {
    stats_.entity_observations_refused.add(refused);
    FRAUD_LOG_LIMITED(6, warn, "entities",
                      "{} entity observations on {} refused: not from a "
                      "valid transaction",
                      refused, subject);
  }
  stats_.entity_observations_received.add(
    actors::fold(entities_, batch, opts_.instance, steady_ns()));
}

} // namespace fraud::service
