// The entry of transactions: one NATS subscription and the thread nats.c
// runs its callback on. Copies nothing it can avoid, parses and validates,
// rejects bad input with a reply, a publication and a count, and routes
// good input to the card's actor.
//
// Each ingress owns the card directory of its subscription: the callback
// thread is its only user, so routing takes no lock.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include "models/error.hpp"
#include <nats/nats.h>

#include "actors/runtime/card_directory.hpp"
#include "actors/counters.hpp"
#include "protocol/codec.hpp"
#include "protocol/subjects.hpp"

namespace fraud::service {

struct ingress_options {
  std::string subject = protocol::subjects::tx_all;
  std::string queue_group;  // empty: plain subscription
  int card_token = 0;       // position of the card id, 0 = last token
  std::int64_t max_event_ahead_ms = 0;  // 0: event times are not checked
  int pending_msgs = 1'000'000;
  int pending_bytes = 512 * 1024 * 1024;
  bool run_inline = false;  // idle card actors score on the callback thread
  actors::directory_limits limits;
};

class ingress {
public:
  ingress(caf::actor_system& sys, const actors::card_environment& env,
          natsConnection* conn, actors::counters& stats,
          ingress_options opts);
  ~ingress();

  /// Subscribes; transactions flow from here on.
  fraud::error start();

  /// From now on transactions are rejected as SHUTTING_DOWN.
  void refuse_new() { accepting_.store(false); }

  /// Stops the subscription after the messages already delivered to it are
  /// handled, for at most timeout_ms; what is still queued then is answered
  /// SHUTTING_DOWN, for at most refuse_ms more. An error if that did not
  /// finish either.
  fraud::error drain(int timeout_ms, int refuse_ms = 2000);

  /// Messages the NATS client dropped because this ingress fell behind.
  std::int64_t dropped() const;

  /// Messages (and their bytes) the NATS client holds for this ingress,
  /// not yet read. Thread-safe.
  void pending(std::uint64_t& msgs, std::uint64_t& bytes) const;

  const actors::card_directory& cards() const { return cards_; }
  actors::card_directory& cards() { return cards_; }


private:
  static void on_message(natsConnection* nc, natsSubscription* sub,
                         natsMsg* msg, void* closure);
  void handle(natsMsg* msg);
  void release(natsMsg* msg);
  void release_all();
  void destroy_handled();  // with handled_mtx_ held
  void reject(const char* subject, const char* reply,
              const models::transaction& partial,
              const fraud::error& error, std::int64_t received_ns);

  natsConnection* conn_;
  actors::counters& stats_;
  ingress_options opts_;
  actors::card_directory cards_;
  natsSubscription* sub_ = nullptr;
  std::atomic<bool> accepting_{true};
  // nats.c frees a destroyed message on its GC thread, waking that thread
  // for each one when it sleeps: a futex wake and two context switches per
  // transaction. Destroyed in batches instead, it wakes once per batch.
  std::mutex handled_mtx_;  // uncontended; guards against a late callback
  std::vector<natsMsg*> handled_;
};

} // namespace fraud::service
