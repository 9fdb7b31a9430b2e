// The entry of transactions: one NATS subscription and the thread nats.c
// runs its callback on. Copies nothing it can avoid, parses and validates,
// rejects bad input with a reply, a publication and a count, and routes
// good input to the card's actor.
//
// Each ingress owns the card directory of its subscription, and the
// callback thread is the directory's owner: routing takes no lock, and no
// other thread can hold it up (the one mutex this thread takes for each
// message, after routing it, is shared only with drain() and the
// destructor). Work other threads ask of the directory (the idle sweep, a
// query's lookup) is done on this thread between messages: after each one,
// and every idle_tick_ms when none comes. The sweep goes on only while no
// message waits, one slice of sweep_slice cards at a time (while
// transactions flow, one slice every sweep_pause_us at most), so that a
// transaction waits for one slice at most.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <nats/nats.h>

#include "actors/counters.hpp"
#include "actors/runtime/card_directory.hpp"
#include "models/error.hpp"
#include "protocol/codec.hpp"
#include "protocol/subjects.hpp"
#include "service/backlog_bounds.hpp"

namespace fraud::service {

struct ingress_options {
  std::string subject = protocol::subjects::tx_all;
  std::string queue_group;  // empty: plain subscription
  int card_token = 0;       // position of the card id, 0 = last token
  std::int64_t max_event_ahead_ms = 0;  // 0: event times are not checked
  int pending_msgs = 1'000'000;
  int pending_bytes = 512 * 1024 * 1024;
  bool run_inline = false;  // idle card actors score on the callback thread
  int realtime_priority = 0;  // of the callback thread, SCHED_RR; 0: none
  actors::directory_limits limits;
  int idle_tick_ms = 10;     // with no message this long, upkeep anyway
  std::size_t sweep_slice = 16;  // cards passivated between two looks
  int sweep_pause_us = 1000;     // between slices while transactions flow
  // Cluster mode (README: Cluster): the partition this subscription serves
  // (-1: none), out of `partitions`; a card of another partition is
  // refused. While the steady clock (ns) is past *serve_until_ns, the
  // partition's lease may be gone: transactions are refused, not scored.
  int partition = -1;
  int partitions = 0;
  const std::atomic<std::int64_t>* serve_until_ns = nullptr;
  // While a writer's backlog is at its bound, transactions are refused
  // OVERLOADED (backlog_bounds.hpp).
  backlog_bounds bounds;
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

  /// The directory of this subscription's cards. Other threads may use only
  /// what it marks "any thread" (request_sweep, lookup, size).
  const actors::card_directory& cards() const { return cards_; }
  actors::card_directory& cards() { return cards_; }

private:
  static void on_message(natsConnection* nc, natsSubscription* sub,
                         natsMsg* msg, void* closure);
  static void on_delivery_done(void* closure);
  void handle(natsMsg* msg);
  void upkeep(bool idle);
  bool message_waiting() const;
  void release(natsMsg* msg);
  void release_all();
  void destroy_handled();  // with handled_mtx_ held
  void reject(const char* subject, const char* reply,
              const models::transaction& partial,
              const fraud::error& error, std::int64_t received_ns);

  // Immutable after construction.
  natsConnection* const conn_;  // outlives the ingress
  actors::counters& stats_;     // thread-safe; outlives the ingress
  const ingress_options opts_;

  // The callback thread's own: no lock, as no other thread touches them
  // while the subscription delivers (other threads reach cards_ only
  // through its thread-safe members).
  actors::card_directory cards_;
  std::int64_t last_slice_ns_ = 0;  // when upkeep last swept a slice

  // Set once by start(), before the first callback and before any other
  // thread asks dropped(); destroyed by the destructor.
  natsSubscription* sub_ = nullptr;
  // Fulfilled on the callback thread once the subscription is closed and
  // its last callback returned: the destructor waits for it, as a callback
  // still running would use cards_. Set up by start().
  std::promise<void> delivery_done_;
  std::future<void> delivered_;

  std::atomic<bool> accepting_{true};  // cleared by refuse_new(), any thread

  // nats.c frees a destroyed message on its GC thread, waking that thread
  // for each one when it sleeps: a futex wake and two context switches per
  // transaction. Destroyed in batches instead, it wakes once per batch.
  // handled_mtx_ guards handled_. The callback thread takes it once per
  // message, uncontended: only drain() and the destructor, which may run
  // while a late callback still adds one, take it besides.
  std::mutex handled_mtx_;
  std::vector<natsMsg*> handled_;
};

} // namespace fraud::service
