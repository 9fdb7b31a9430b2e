#include "service/ingress.hpp"

#include <algorithm>

#include <cstdio>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"
#include "models/error.hpp"
#include "models/validation.hpp"
#include "protocol/partition.hpp"
#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::service {

namespace {
constexpr std::size_t release_batch = 32;
} // namespace

ingress::ingress(caf::actor_system& sys, const actors::card_environment& env,
                 natsConnection* conn, actors::counters& stats,
                 ingress_options opts)
  : conn_(conn), stats_(stats), opts_(std::move(opts)),
    cards_(sys, env, opts_.limits, opts_.run_inline) {
  handled_.reserve(release_batch);
}

ingress::~ingress() {
  if (sub_ != nullptr) {
    natsSubscription_Unsubscribe(sub_);
    wait_for_reader(conn_);  // nats.c#637
    if (delivered_.valid())
      delivered_.wait();
    release_all();
    natsSubscription_Destroy(sub_);
  }
  release_all();  // one a late callback may have added
}

void ingress::release(natsMsg* msg) {
  std::lock_guard<std::mutex> guard{handled_mtx_};
  handled_.push_back(msg);
  if (handled_.size() >= release_batch)
    destroy_handled();
}

void ingress::release_all() {
  std::lock_guard<std::mutex> guard{handled_mtx_};
  destroy_handled();
}

void ingress::destroy_handled() {
  for (auto* m : handled_)
    natsMsg_Destroy(m);
  handled_.clear();
}

fraud::error ingress::start() {
  // With a timeout, nats.c calls on_message without a message after
  // idle_tick_ms of silence: the directory's upkeep goes on with no traffic.
  natsStatus s;
  if (opts_.queue_group.empty())
    s = natsConnection_SubscribeTimeout(&sub_, conn_, opts_.subject.c_str(),
                                        opts_.idle_tick_ms, on_message, this);
  else
    s = natsConnection_QueueSubscribeTimeout(
      &sub_, conn_, opts_.subject.c_str(), opts_.queue_group.c_str(),
      opts_.idle_tick_ms, on_message, this);
  if (s != NATS_OK)
    return make_error(ec::nats_error, "cannot subscribe to " + opts_.subject
                                        + ": " + describe(s));
  s = natsSubscription_SetPendingLimits(sub_, opts_.pending_msgs,
                                        opts_.pending_bytes);
  if (s != NATS_OK)
    return make_error(ec::nats_error,
                      "cannot set pending limits: " + describe(s));
  s = natsSubscription_SetOnCompleteCB(sub_, on_delivery_done, this);
  if (s != NATS_OK)
    return make_error(ec::nats_error,
                      "cannot watch the subscription: " + describe(s));
  delivered_ = delivery_done_.get_future();
  return fraud::error{};
}

fraud::error ingress::drain(int timeout_ms, int refuse_ms) {
  if (sub_ == nullptr)
    return fraud::error{};
  auto s = natsSubscription_Drain(sub_);
  // nats.c waits forever for a timeout <= 0.
  if (s == NATS_OK)
    s = natsSubscription_WaitForDrainCompletion(sub_, std::max(1, timeout_ms));
  if (s == NATS_TIMEOUT) {
    // Out of time to score: what NATS delivered and we have not read yet
    // is answered SHUTTING_DOWN (cheap, so it is quick), for its requester
    // to retry elsewhere, instead of being dropped unanswered.
    refuse_new();
    auto before = stats_.rejected_shutdown.get();
    s = natsSubscription_WaitForDrainCompletion(sub_, std::max(1, refuse_ms));
    FRAUD_LOG(warn, "ingress",
              "{}: drain deadline passed; {} queued transactions answered "
              "SHUTTING_DOWN",
              opts_.subject, stats_.rejected_shutdown.get() - before);
  }
  release_all();
  // No callback will answer a lookup any more (if the drain timed out, one
  // may still run; it finds the lookups closed, which is harmless).
  cards_.close_lookups();
  if (s != NATS_OK)
    return make_error(ec::nats_error, "draining " + opts_.subject + ": "
                                        + describe(s));
  return fraud::error{};
}

void ingress::pending(std::uint64_t& msgs, std::uint64_t& bytes) const {
  int m = 0, b = 0;
  if (sub_ != nullptr && natsSubscription_GetPending(sub_, &m, &b) == NATS_OK) {
    msgs += static_cast<std::uint64_t>(std::max(0, m));
    bytes += static_cast<std::uint64_t>(std::max(0, b));
  }
}

std::int64_t ingress::dropped() const {
  int64_t n = 0;
  if (sub_ != nullptr)
    natsSubscription_GetDropped(sub_, &n);
  return n;
}

void ingress::on_message(natsConnection*, natsSubscription*, natsMsg* msg,
                         void* closure) {
  auto* self = static_cast<ingress*>(closure);
  // A name for top -H; a real-time priority, so that what else runs on
  // the machine (nats-server, the writers) waits while a card scores.
  actors::setup_this_thread_once("fraud-ingress", 0,
                                 self->opts_.realtime_priority);
  if (msg != nullptr) {  // null: idle_tick_ms passed without a message
    self->handle(msg);
    self->release(msg);
  }
  self->upkeep(msg == nullptr);
}

void ingress::on_delivery_done(void* closure) {
  static_cast<ingress*>(closure)->delivery_done_.set_value();
}

bool ingress::message_waiting() const {
  int msgs = 0;
  return natsSubscription_GetPending(sub_, &msgs, nullptr) == NATS_OK
         && msgs > 0;
}

// Passivating a card costs this thread 2-3 us here (a send; the worker
// that stops the actor spends more, and wakes CAF's clock thread), so while
// transactions flow the sweep takes one slice at most every sweep_pause_us,
// and only when no message waits: 100,000 cards are spread over seconds
// instead of taking, at nice -10, the CPU that nats-server and the workers
// need. A backlog that never empties still lets a slice through every
// 10 ms, so that a sweep ends. Idle (no message for idle_tick_ms), slices
// follow each other until a message waits.
void ingress::upkeep(bool idle) {
  if (!cards_.upkeep_due())
    return;
  cards_.answer_lookups();
  if (idle) {
    while (!message_waiting() && cards_.sweep_slice(opts_.sweep_slice)) {
    }
  } else {
    constexpr std::int64_t max_sweep_pause_ns = 10'000'000;
    auto since = steady_ns() - last_slice_ns_;
    if (since < std::int64_t{opts_.sweep_pause_us} * 1000
        || (since < max_sweep_pause_ns && message_waiting()))
      return;
    cards_.sweep_slice(opts_.sweep_slice);
  }
  last_slice_ns_ = steady_ns();
}

void ingress::handle(natsMsg* msg) {
  auto received_ns = steady_ns();
  stats_.received.add();
  const char* subject = natsMsg_GetSubject(msg);
  const char* reply = natsMsg_GetReply(msg);
  actors::score_request request;
  request.received_ns = received_ns;
  auto error = protocol::decode_transaction(natsMsg_GetData(msg),
                                            natsMsg_GetDataLength(msg),
                                            request.tx);
  if (!error) {
    auto token = protocol::subjects::card_token(subject, opts_.card_token);
    if (token != request.tx.card_id)
      error = fraud::error::in_field(
        fraud::ec::subject_mismatch, "card_id",
        "card_id '" + request.tx.card_id + "' differs from the subject's "
          + "card token '" + std::string{token} + "'");
  }
  if (!error && opts_.partition >= 0) {
    auto belongs = protocol::partition_of(request.tx.card_id,
                                          static_cast<std::uint32_t>(
                                            opts_.partitions));
    if (belongs != static_cast<std::uint32_t>(opts_.partition))
      error = fraud::error::in_field(
        fraud::ec::subject_mismatch, "card_id",
        "card '" + request.tx.card_id + "' belongs to partition "
          + std::to_string(belongs) + ", not "
          + std::to_string(opts_.partition));
    else if (opts_.serve_until_ns != nullptr
             && received_ns > opts_.serve_until_ns->load(
                                std::memory_order_relaxed))
      error = fraud::error::in_field(
        fraud::ec::shutting_down, "",
        "this instance no longer holds partition "
          + std::to_string(opts_.partition) + "'s lease; retry");
  }
  if (!error)
    error = models::check_event_time(request.tx, wall_ms(),
                                     opts_.max_event_ahead_ms);
  if (!error && !accepting_.load(std::memory_order_relaxed))
    error = fraud::error::in_field(fraud::ec::shutting_down, "",
                                 "the service is shutting down; retry on "
                                 "another instance");
  if (!error)
    error = opts_.bounds.check();
  if (error) {
    reject(subject, reply, request.tx, error, received_ns);
    return;
  }
  if (reply != nullptr)
    request.reply_to = reply;
  cards_.route(std::move(request), received_ns);
}

void ingress::reject(const char* subject, const char* reply,
                     const models::transaction& partial,
                     const fraud::error& error,
                     std::int64_t received_ns) {
  switch (error.code()) {
    case fraud::ec::malformed:
      stats_.rejected_malformed.add();
      break;
    case fraud::ec::subject_mismatch:
      stats_.rejected_subject.add();
      break;
    case fraud::ec::shutting_down:
      stats_.rejected_shutdown.add();
      break;
    case fraud::ec::overloaded:
      stats_.rejected_overloaded.add();
      break;
    default:
      stats_.rejected_invalid.add();
      break;
  }
  std::string payload;
  // What was read of the ids is echoed only when printable and short: a
  // malformed message may carry anything.
  auto safe = [](const std::string& s) {
    if (s.size() > 64)
      return std::string{};
    for (char c : s)
      if (c < ' ' || c > '~')
        return std::string{};
    return s;
  };
  auto tx_id = safe(partial.tx_id);
  auto card_id = safe(partial.card_id);
  if (reply != nullptr) {
    protocol::decision_envelope env;
    env.decided_at_ms = wall_ms();
    env.service_latency_ns = steady_ns() - received_ns;
    protocol::encode_rejected_decision(tx_id, card_id, error, env, payload);
    if (natsConnection_Publish(conn_, reply, payload.data(),
                               static_cast<int>(payload.size()))
        != NATS_OK)
      stats_.publish_errors.add();
  }
  protocol::encode_rejection(subject, tx_id, card_id, error, wall_ms(),
                             payload);
  if (natsConnection_Publish(conn_, protocol::subjects::rejected, payload.data(),
                             static_cast<int>(payload.size()))
      != NATS_OK)
    stats_.publish_errors.add();
}

} // namespace fraud::service
