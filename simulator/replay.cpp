#include "protocol/subjects.hpp"
#include "simulator/replay.hpp"

#include <charconv>
#include <cstring>
#include <ctime>
#include <optional>
#include <sys/prctl.h>
#include <thread>

#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "service/client/local_credentials.hpp"
#include "service/client/nats_connection.hpp"
#include "simulator/answer_collector.hpp"
#include "simulator/progress_line.hpp"
#include "simulator/request_retries.hpp"

namespace fraud::simulator {

namespace {

using service::steady_ns;

// What the reply callback reaches: the answers, and who re-sends.
struct reply_context {
  answer_collector* answers;
  request_retries* retries;
};

// The reply subject is <inbox>.<i>.<attempt>; false when it is not.
bool parse_reply_subject(const char* subject, std::size_t& i,
                         std::uint32_t& attempt) {
  const char* end = subject + std::strlen(subject);
  const char* last = std::strrchr(subject, '.');
  if (last == nullptr || last == subject)
    return false;
  const char* before = last - 1;
  while (before > subject && *before != '.')
    --before;
  if (*before != '.')
    return false;
  return std::from_chars(before + 1, last, i).ec == std::errc{}
         && std::from_chars(last + 1, end, attempt).ec == std::errc{};
}

void on_reply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto now = steady_ns();
  auto* ctx = static_cast<reply_context*>(closure);
  std::size_t i = SIZE_MAX;
  std::uint32_t attempt = 0;
  bool named = parse_reply_subject(natsMsg_GetSubject(msg), i, attempt);
  if (natsMsg_IsNoResponders(msg)) {
    // nats-server's answer when nobody subscribes: no decision; re-sent
    // while the retry budget lasts
    ctx->answers->on_no_responders(named ? i : SIZE_MAX, now);
    if (named && ctx->retries != nullptr)
      ctx->retries->on_no_responders(i, attempt, now);
    natsMsg_Destroy(msg);
    return;
  }
  ctx->answers->on_reply(named ? i : SIZE_MAX, natsMsg_GetData(msg),
                         natsMsg_GetDataLength(msg), now);
  natsMsg_Destroy(msg);
}

// <prefix><i>.<attempt> into `reply` (NUL-terminated), whose first
// `prefix` bytes already hold the prefix.
void write_reply_subject(char* reply, std::size_t size, std::size_t prefix,
                         std::size_t i, std::uint32_t attempt) {
  auto* end = std::to_chars(reply + prefix, reply + size - 1, i).ptr;
  if (end < reply + size - 1)
    *end++ = '.';
  end = std::to_chars(end, reply + size - 1, attempt).ptr;
  *end = '\0';
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
  std::atomic<std::uint64_t> resend_errors{0};
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
  retry_policy policy;
  policy.retry_for_ns = opts.request_mode
                          ? static_cast<std::int64_t>(opts.retry_for_ms) * 1'000'000
                          : 0;
  policy.first_backoff_ns =
    static_cast<std::int64_t>(opts.retry_backoff_ms) * 1'000'000;
  policy.max_backoff_ns =
    static_cast<std::int64_t>(opts.retry_max_backoff_ms) * 1'000'000;
  figures.retry_for_ms = static_cast<double>(policy.retry_for_ns) / 1e6;
  figures.attempt_timeout_ms = opts.timeout_ms;
  auto timeout_ns = static_cast<std::int64_t>(opts.timeout_ms) * 1'000'000;
  // An answer counts until the last re-send's timeout has passed.
  auto deadline_ns = policy.answer_deadline(0, timeout_ns);
  answer_collector answers{txs, deadline_ns, !opts.request_mode};
  auto reply_prefix = (*conn)->new_inbox() + ".";
  char reply[128];
  if (reply_prefix.size() + 48 > sizeof(reply)) {
    error = "the inbox prefix is too long";
    return false;
  }
  std::memcpy(reply, reply_prefix.data(), reply_prefix.size());
  // Re-sends go from a thread of their own with their own reply buffer.
  std::optional<request_retries> retries;
  if (opts.request_mode)
    retries.emplace(answers, policy, timeout_ns, txs.size(),
                    [&, buf = std::string(128, '\0')](
                      std::size_t i, std::uint32_t attempt) mutable {
                      std::memcpy(buf.data(), reply_prefix.data(),
                                  reply_prefix.size());
                      write_reply_subject(buf.data(), buf.size(),
                                          reply_prefix.size(), i, attempt);
                      auto payload = txs.payload(i);
                      if (natsConnection_PublishRequest(
                            nc, txs.subject(i), buf.c_str(), payload.data(),
                            static_cast<int>(payload.size()))
                          != NATS_OK)
                        resend_errors.fetch_add(1, std::memory_order_relaxed);
                    });
  reply_context ctx{&answers, retries ? &*retries : nullptr};
  // Declared last: gone (its callbacks over) before what they use.
  subscriptions subs;
  natsStatus s = reply_prefix.size() > 1 ? NATS_OK : NATS_ERR;
  if (s == NATS_OK && opts.request_mode)
    s = subs.add(nc, (reply_prefix + "*.*").c_str(), on_reply, &ctx);
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
  // Room for every second of the run; --max runs are assumed to go at
  // least 1,000 tx/s (later seconds add up in the last row).
  auto planned_s = static_cast<double>(txs.size())
                     / (opts.rate_tps > 0 ? opts.rate_tps : 1000.0)
                   + static_cast<double>(deadline_ns) / 1e9 + 10;
  answers.begin(start, static_cast<std::size_t>(std::min(planned_s, 1e6)));
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
      write_reply_subject(reply, sizeof(reply), reply_prefix.size(), i, 0);
      ps = natsConnection_PublishRequest(nc, txs.subject(i), reply,
                                         payload.data(), size);
      retries->first_attempts_sent(i + 1);
    } else {
      ps = natsConnection_Publish(nc, txs.subject(i), payload.data(), size);
    }
    if (ps != NATS_OK)
      ++figures.publish_errors;
    sent.store(i + 1, std::memory_order_relaxed);
  }
  auto sent_all = steady_ns();
  (*conn)->flush(opts.timeout_ms);
  // Whatever is not answered by its deadline (re-sends included) is lost.
  auto deadline = last_due + deadline_ns;
  while (answers.answered() < txs.size() && steady_ns() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (retries)
    retries->stop();
  answers.close();
  subs.drain();

  answers.summarize(figures, detection);
  figures.publish_errors += resend_errors.load();
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
