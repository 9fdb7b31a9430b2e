#include "protocol/subjects.hpp"
#include "simulator/replay.hpp"

#include <charconv>
#include <cstring>
#include <ctime>
#include <sys/prctl.h>
#include <thread>

#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "service/client/local_credentials.hpp"
#include "service/client/nats_connection.hpp"
#include "simulator/answer_collector.hpp"
#include "simulator/progress_line.hpp"

namespace fraud::simulator {

namespace {

using service::steady_ns;

void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto now = steady_ns();
  auto* answers = static_cast<answer_collector*>(closure);
  if (natsMsg_IsNoResponders(msg)) {
    // nats-server's answer when nobody subscribes: no decision, so lost
    answers->on_no_responders();
    natsMsg_Destroy(msg);
    return;
  }
  // the reply subject is <inbox>.<index>
  const char* subject = natsMsg_GetSubject(msg);
  const char* dot = std::strrchr(subject, '.');
  std::size_t i = SIZE_MAX;
  if (dot != nullptr)
    std::from_chars(dot + 1, subject + std::strlen(subject), i);
  answers->on_reply(i, natsMsg_GetData(msg), natsMsg_GetDataLength(msg), now);
  natsMsg_Destroy(msg);
}

// Publish mode: answers found by the tx_id they carry.
template <void (answer_collector::*handle)(const void*, int, std::int64_t)>
void on_publication(natsConnection*, natsSubscription*, natsMsg* msg,
                    void* closure) {
  auto now = steady_ns();
  (static_cast<answer_collector*>(closure)->*handle)(
    natsMsg_GetData(msg), natsMsg_GetDataLength(msg), now);
  natsMsg_Destroy(msg);
}

void sleep_until(std::int64_t steady) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(steady / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(steady % 1'000'000'000);
  // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

// Owns the subscriptions; drains them (every callback returned) on close.
class subscriptions {
public:
  ~subscriptions() {
    for (auto* s : subs_)
      natsSubscription_Destroy(s);
  }

  natsStatus add(natsConnection* nc, const char* subject, natsMsgHandler cb,
                 void* closure) {
    natsSubscription* sub = nullptr;
    auto s = natsConnection_Subscribe(&sub, nc, subject, cb, closure);
    if (s != NATS_OK)
      return s;
    subs_.push_back(sub);
    // answers may arrive faster than a burst is read: never drop them here
    return natsSubscription_SetPendingLimits(sub, 10'000'000, 1 << 30);
  }

  void drain() {
    for (auto* s : subs_)
      if (natsSubscription_Drain(s) == NATS_OK)
        natsSubscription_WaitForDrainCompletion(s, 10'000);
  }

private:
  std::vector<natsSubscription*> subs_;
};

} // namespace

bool replay(const replay_set& txs, const replay_options& opts,
            replay_figures& figures, detection_summary& detection,
            std::string& error) {
  figures.mode = opts.request_mode ? "request" : "publish";
  figures.target_tps = opts.rate_tps;
  // Transactions go as the authoriser; in publish mode the decisions are
  // watched on a second connection, as a viewer (an authoriser may not).
  auto connect = [&](service::nats_role role, const char* name)
    -> fraud::expected<std::unique_ptr<service::nats_connection>> {
    service::nats_options no;
    no.url = opts.nats_url;
    no.auth = opts.auth;
    no.name = name;
    no.send_asap = opts.send_asap;
    // Reconnects like any client: an outage costs the transactions that
    // went unanswered meanwhile (counted as lost), not the rest of the run.
    no.max_reconnect = -1;
    if (auto err = service::use_local_credentials(no.auth, no.url, role))
      return err;
    return service::nats_connection::connect(no);
  };
  auto conn = connect(service::nats_role::authoriser, "fraud-sim");
  if (!conn) {
    error = fraud::to_string(conn.error());
    return false;
  }
  fraud::expected<std::unique_ptr<service::nats_connection>> watcher{nullptr};
  if (!opts.request_mode) {
    watcher = connect(service::nats_role::viewer, "fraud-sim-watch");
    if (!watcher) {
      error = fraud::to_string(watcher.error());
      return false;
    }
  }
  auto* nc = (*conn)->get();
  auto* wc = opts.request_mode ? nc : (*watcher)->get();
  auto timeout_ns = static_cast<std::int64_t>(opts.timeout_ms) * 1'000'000;
  answer_collector answers{txs, timeout_ns, !opts.request_mode};
  subscriptions subs;
  auto reply_prefix = (*conn)->new_inbox() + ".";
  natsStatus s = reply_prefix.size() > 1 ? NATS_OK : NATS_ERR;
  if (s == NATS_OK && opts.request_mode)
    s = subs.add(nc, (reply_prefix + "*").c_str(), on_reply, &answers);
  if (s == NATS_OK && !opts.request_mode)
    s = subs.add(wc, protocol::subjects::decisions_all,
                 on_publication<&answer_collector::on_decision>, &answers);
  if (s == NATS_OK && !opts.request_mode)
    s = subs.add(wc, protocol::subjects::rejected,
                 on_publication<&answer_collector::on_rejection>, &answers);
  if (s == NATS_OK && !opts.request_mode)
    s = (*watcher)->flush(5000);
  if (s == NATS_OK)
    s = (*conn)->flush(5000);
  if (s != NATS_OK) {
    error = "cannot subscribe for answers: " + service::describe(s);
    return false;
  }

  // Sleep precisely: the default 50 us timer slack is the whole gap
  // between two transactions at 20,000 tx/s.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  std::atomic<std::uint64_t> sent{0};
  progress_line progress{opts.progress, [&] {
                           auto rejected = answers.rejected();
                           return progress_line::counts{
                             sent.load(), answers.answered() - rejected,
                             rejected};
                         }};
  double period_ns = opts.rate_tps > 0 ? 1e9 / opts.rate_tps : 0;
  auto start = steady_ns() + 1'000'000;
  char reply[128];
  std::memcpy(reply, reply_prefix.data(), reply_prefix.size());
  std::int64_t last_due = start;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * period_ns);
    if (period_ns > 0) {
      if (due > steady_ns())
        sleep_until(due);
    } else {
      due = steady_ns();
    }
    last_due = due;
    answers.sent(i, due);
    auto payload = txs.payload(i);
    auto size = static_cast<int>(payload.size());
    natsStatus ps;
    if (opts.request_mode) {
      auto* end = std::to_chars(reply + reply_prefix.size(),
                                reply + sizeof(reply) - 1, i).ptr;
      *end = '\0';
      ps = natsConnection_PublishRequest(nc, txs.subject(i), reply,
                                         payload.data(), size);
    } else {
      ps = natsConnection_Publish(nc, txs.subject(i), payload.data(), size);
    }
    if (ps != NATS_OK)
      ++figures.publish_errors;
    sent.store(i + 1, std::memory_order_relaxed);
  }
  auto sent_all = steady_ns();
  (*conn)->flush(opts.timeout_ms);
  // Whatever is not answered within the timeout of its due time is lost.
  auto deadline = last_due + timeout_ns;
  while (answers.answered() < txs.size() && steady_ns() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  answers.close();
  subs.drain();

  answers.summarize(figures, detection);
  figures.nats_errors = (*conn)->async_errors();
  figures.disconnects = (*conn)->disconnects();
  figures.send_seconds = static_cast<double>(sent_all - start) / 1e9;
  auto last = std::max(answers.last_answer_ns(), sent_all);
  figures.seconds = static_cast<double>(last - start) / 1e9;
  if (figures.seconds > 0)
    figures.throughput_tps =
      static_cast<double>(figures.decided + figures.rejected) / figures.seconds;
  return true;
}

} // namespace fraud::simulator
