// Answers queries over NATS request-reply: fraud.query.decision,
// fraud.query.card, fraud.query.decisions and fraud.stats.
//
// Each subject has its own subscription, so nats.c gives each its own
// thread; each thread reads SQLite through its own read-only connection,
// and a slow search never holds up a stats request (or scoring, which has
// its own subscriptions). Every request gets a reply: an answer, NOT_FOUND,
// BAD_REQUEST naming the field, or LIMIT_EXCEEDED naming the limit. A
// search stops at its limit, at what fits in one reply, or at
// --query-max-steps, whichever comes first, and says where to go on.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <nats/nats.h>

#include "actors/counters.hpp"
#include "actors/messages.hpp"
#include "actors/runtime/ruleset_slot.hpp"
#include "actors/runtime/pending_snapshots.hpp"
#include "actors/runtime/store_queue.hpp"
#include "protocol/query_codec.hpp"
#include "service/decision_db_reader.hpp"
#include "service/decision_db.hpp"
#include "service/latency_histogram.hpp"
#include "service/queue_monitor.hpp"
#include "service/request_limits.hpp"

namespace fraud::service {

/// What the responder reads; everything outlives it and is thread-safe.
struct query_context {
  caf::actor_system* sys = nullptr;
  actors::counters* stats = nullptr;
  const latency_histogram* latency = nullptr;
  const decision_db* store = nullptr;
  const actors::store_queue* queue = nullptr;
  const actors::pending_snapshots* snapshots = nullptr;
  const actors::ruleset_slot* rules = nullptr;
  std::function<std::optional<actors::card_actor>(const std::string&)>
    find_card;
  std::function<std::uint64_t()> active_cards;
  std::function<std::uint64_t()> active_entities;
  std::function<std::uint64_t()> nats_dropped;
  const queue_monitor* queues = nullptr;
  std::int64_t started_at_ms = 0;
  std::string db_path;
  request_limits limits;
  // Who answers: every reply names this instance (cfg.cluster.instance_id,
  // else cfg.name) and how many live instances it knows of, so a client
  // can gather the answers of all (README: Queries across instances).
  std::string instance;
  std::function<std::uint32_t()> live_instances;  // empty: 1, alone
};

class query_responder {
public:
  query_responder(natsConnection* conn, query_context ctx);
  ~query_responder();

  fraud::error start();

private:
  struct handler;

  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg,
                         void* closure);
  void answer_decision(natsMsg* msg, decision_db_reader& db);
  void answer_card(natsMsg* msg, decision_db_reader& db);
  void answer_decisions(natsMsg* msg, decision_db_reader& db);
  void answer_stats(natsMsg* msg);
  void reply(natsMsg* msg, const std::string& payload);
  void count_error(const fraud::error& error);
  page_bounds bounds(std::uint32_t limit) const;
  protocol::reply_origin origin() const;
  void sample_latency();

  natsConnection* conn_;
  query_context ctx_;
  std::vector<std::unique_ptr<handler>> handlers_;
  std::size_t reply_bytes_ = protocol::max_reply_bytes;  // set by start()

  // "the last minute": a snapshot every 10 s, kept for 60 s
  std::mutex window_mtx_;
  std::condition_variable window_cv_;
  std::deque<latency_histogram::snapshot_type> window_;
  bool stopping_ = false;
  std::thread sampler_;
};

} // namespace fraud::service
