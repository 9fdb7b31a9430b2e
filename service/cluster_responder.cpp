#include "service/cluster_responder.hpp"

#include <string>

#include "service/client/nats_connection.hpp"

namespace fraud::service {

cluster_responder::cluster_responder(
  natsConnection* conn, actors::counters& stats,
  std::function<protocol::cluster_view()> view)
  : conn_(conn), stats_(stats), view_(std::move(view)) {
}

cluster_responder::~cluster_responder() {
  end_subscription(conn_, sub_);
}

fraud::error cluster_responder::start() {
  auto s = natsConnection_Subscribe(&sub_, conn_, protocol::cluster_subject,
                                    on_message, this);
  if (s != NATS_OK)
    return make_error(ec::nats_error, std::string{"cannot subscribe to "}
                                        + protocol::cluster_subject + ": "
                                        + describe(s));
  return {};
}

void cluster_responder::on_message(natsConnection*, natsSubscription*,
                                   natsMsg* msg, void* closure) {
  auto* self = static_cast<cluster_responder*>(closure);
  self->stats_.queries.add();
  const char* reply = natsMsg_GetReply(msg);
  if (reply == nullptr) {
    self->stats_.query_errors.add();  // a query nobody waits for
  } else {
    // The request is empty: whatever it holds is ignored, as fraud.stats
    // does. 64 partitions and a few instances are a few KB.
    std::string out;
    protocol::encode(self->view_(), out);
    if (natsConnection_Publish(self->conn_, reply, out.data(),
                               static_cast<int>(out.size()))
        != NATS_OK)
      self->stats_.publish_errors.add();
  }
  natsMsg_Destroy(msg);
}

} // namespace fraud::service
