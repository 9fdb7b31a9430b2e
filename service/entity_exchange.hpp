// In a cluster, entity state across instances (README: "Entity state"):
// publishes the entity observations of this instance's cards on
// fraud.cluster.entities.<instance>, batched, and folds every other
// instance's into this instance's entity actors. NATS carries them; there
// is nothing to agree on, only uses to count.
//
// The publisher is a thread of its own that drains the outbox every
// `period` into batches of at most `max_batch` observations, one message
// each; the card actors only push (actors/runtime/entity_outbox.hpp). What
// arrives is decoded on the subscription's nats.c thread, checked
// (protocol/entity_codec.hpp: a bad batch or observation is counted and
// left out, never a crash) and folded (actors::fold); this instance's own
// batches, which come back to it, are skipped by their subject's token.
//
// Thread-safe. The outbox, the directory and the counters must outlive it;
// destroy it before the connection.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nats/nats.h>

#include "actors/counters.hpp"
#include "actors/runtime/entity_directory.hpp"
#include "actors/runtime/entity_outbox.hpp"
#include "models/error.hpp"
#include "service/periodic_thread.hpp"

namespace fraud::service {

struct entity_exchange_options {
  std::string instance;  // subject-safe: checked by partition_owner
  std::chrono::milliseconds period{2};
  std::size_t max_batch = 512;  // about 40 kB a message at most
};

class entity_exchange {
public:
  entity_exchange(natsConnection* conn, actors::entity_outbox& outbox,
                  actors::entity_directory& entities, actors::counters& stats,
                  entity_exchange_options opts);
  /// Stops folding (unsubscribes: no callback runs after), then publishes
  /// what the outbox still holds.
  ~entity_exchange();

  entity_exchange(const entity_exchange&) = delete;
  entity_exchange& operator=(const entity_exchange&) = delete;

  /// Subscribes and starts publishing.
  fraud::error start();

  /// Publishes everything queued now (the publisher thread does it every
  /// period). Not to be called concurrently with itself.
  void publish_queued();

private:
  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg,
                         void* closure);
  void receive(const char* subject, const char* data, int size);

  natsConnection* const conn_;
  actors::entity_outbox& outbox_;
  actors::entity_directory& entities_;
  actors::counters& stats_;
  const entity_exchange_options opts_;
  const std::string subject_;  // fraud.cluster.entities.<instance>
  natsSubscription* sub_ = nullptr;
  // The publisher thread's scratch: kept so that a batch allocates little.
  models::entity_observations batch_;
  std::string bytes_;
  std::unique_ptr<periodic_thread> publisher_;
};

} // namespace fraud::service
