// An open-loop latency driver: sends synthetic valid transactions to
// fraud.tx.<card> as requests at a fixed rate, whatever the service does,
// and measures each answer from the moment its request was due (so a
// stalled sender or service is charged in full, never hidden).
//
// One wildcard subscription takes every reply; the reply subject carries
// the request's index. Prints the end-to-end latency and the service's own
// service_latency_ns from the decisions, as percentiles, and a RESULT line
// for scripts/bench.sh.
//
// Small on purpose: fraud-sim replay is the end-to-end driver of record.
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/result_fields.hpp"
#include "bench/synthetic.hpp"
#include "protocol/codec.hpp"
#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "service/client/nats_connection.hpp"

namespace {

using namespace fraud;

struct run {
  std::string inbox;  // "_INBOX.drv.<pid>."
  std::vector<std::int64_t> due_ns;
  std::vector<std::int64_t> e2e_ns;  // -1 until answered
  std::vector<std::int64_t> svc_ns;
  std::atomic<std::uint64_t> answered{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> duplicates{0};  // answered as re-sent
  std::atomic<std::uint64_t> strays{0};
};

void on_reply(natsConnection*, natsSubscription*, natsMsg* msg,
              void* closure) {
  auto now = service::steady_ns();
  auto* r = static_cast<run*>(closure);
  const char* subject = natsMsg_GetSubject(msg);
  auto i = std::strtoull(subject + r->inbox.size(), nullptr, 10);
  if (i < r->due_ns.size() && r->e2e_ns[i] < 0) {
    r->e2e_ns[i] = now - r->due_ns[i];
    thread_local models::decision d;
    protocol::decision_envelope env;
    if (natsMsg_IsNoResponders(msg)
        || !protocol::decode_decision(natsMsg_GetData(msg),
                                   natsMsg_GetDataLength(msg), d, env).ok()
        || env.error)
      r->errors.fetch_add(1, std::memory_order_relaxed);
    if (env.duplicate)
      r->duplicates.fetch_add(1, std::memory_order_relaxed);
    r->svc_ns[i] = env.service_latency_ns;
    r->answered.fetch_add(1, std::memory_order_release);
  } else {
    r->strays.fetch_add(1, std::memory_order_relaxed);
  }
  natsMsg_Destroy(msg);
}

} // namespace

int main(int argc, char** argv) {
  std::string url;
  std::string label = "service";
  double rate = 10'000;
  double seconds = 5;
  double warmup = 0.5;
  std::uint32_t cards = 100'000;
  std::uint32_t first_card = 0;
  bool in_order = false;
  int timeout_ms = 3000;
  bool send_asap = true;
  std::string prefix = protocol::subjects::tx_prefix;
  CLI::App app{"latency_driver: open-loop requests at a fixed rate"};
  app.add_option("--nats", url, "NATS server URL")->required();
  app.add_option("--label", label, "names the service in the RESULT line")
    ->capture_default_str();
  app.add_option("--rate", rate, "requests per second")
    ->capture_default_str()
    ->check(CLI::Range(1.0, 1e7));
  app.add_option("--seconds", seconds, "measured sending time")
    ->capture_default_str();
  app.add_option("--warmup", warmup,
                 "seconds sent first at the same rate and not measured")
    ->capture_default_str();
  app.add_option("--cards", cards, "distinct cards")->capture_default_str();
  app.add_option("--first-card", first_card,
                 "number of the first card (card-<number>), so that runs "
                 "can use cards apart")
    ->capture_default_str();
  app.add_flag("--in-order", in_order,
               "visit the cards in order (request i: card first + i % cards) "
               "instead of at random: --cards requests activate every card");
  app.add_option("--prefix", prefix,
                 "subject prefix; the card token is appended")
    ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms,
                 "after the last send, how long to wait for answers")
    ->capture_default_str();
  app.add_option("--send-asap", send_asap,
                 "flush every request at once (false: let nats.c batch)")
    ->capture_default_str();
  service::nats_credentials auth;
  service::declare_nats_credentials(app, auth);
  CLI11_PARSE(app, argc, argv);
  if (auto err = service::resolve(auth)) {
    std::fprintf(stderr, "latency_driver: %s\n", fraud::to_string(err).c_str());
    return 2;
  }
  // Sleeps between sends are otherwise rounded up by 50 us.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

  service::nats_options no;
  no.url = url;
  no.auth = auth;
  no.name = "latency-driver";
  no.send_asap = send_asap;
  auto conn = service::nats_connection::connect(no);
  if (!conn) {
    std::fprintf(stderr, "latency_driver: %s\n",
                 fraud::to_string(conn.error()).c_str());
    return 1;
  }
  auto* nc = (*conn)->get();

  auto skipped = static_cast<std::size_t>(rate * warmup);
  auto n = skipped + static_cast<std::size_t>(rate * seconds);
  run r;
  r.inbox = (*conn)->new_inbox() + ".";
  r.due_ns.assign(n, 0);
  r.e2e_ns.assign(n, -1);
  r.svc_ns.assign(n, 0);
  // Everything a send needs is made before the clock starts. Ids are new
  // in every run (a re-sent tx_id is answered as a duplicate) and event
  // times follow the wall clock, as live traffic does.
  std::vector<std::string> payloads(n), subjects(n), replies(n);
  auto start_ms = service::wall_ms();
  auto run_id = std::to_string(getpid()) + "-" + std::to_string(start_ms);
  for (std::size_t i = 0; i < n; ++i) {
    auto card = in_order ? static_cast<std::uint32_t>(i % cards)
                         : bench::synthetic_card(i, cards);
    auto tx = bench::synthetic_transaction_on(i, first_card + card);
    tx.tx_id = "tx-" + run_id + "-" + std::to_string(i);
    tx.event_time_ms = start_ms + static_cast<std::int64_t>(
                                    static_cast<double>(i) * 1000.0 / rate);
    subjects[i] = prefix + tx.card_id;
    replies[i] = r.inbox + std::to_string(i);
    protocol::encode_transaction(tx, payloads[i]);
  }
  natsSubscription* sub = nullptr;
  auto s = natsConnection_Subscribe(&sub, nc, (r.inbox + "*").c_str(),
                                    on_reply, &r);
  if (s == NATS_OK)
    s = natsSubscription_SetPendingLimits(sub, -1, -1);
  if (s == NATS_OK)
    s = (*conn)->flush(2000);
  if (s != NATS_OK) {
    std::fprintf(stderr, "latency_driver: cannot subscribe: %s\n",
                 service::describe(s).c_str());
    return 1;
  }

  auto interval_ns = 1e9 / rate;
  std::uint64_t publish_errors = 0;
  auto t0 = service::steady_ns() + 1'000'000;
  for (std::size_t i = 0; i < n; ++i) {
    auto due = t0 + static_cast<std::int64_t>(static_cast<double>(i)
                                              * interval_ns);
    auto now = service::steady_ns();
    if (due > now)
      std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    r.due_ns[i] = due;
    if (natsConnection_PublishRequest(nc, subjects[i].c_str(),
                                      replies[i].c_str(), payloads[i].data(),
                                      static_cast<int>(payloads[i].size()))
        != NATS_OK)
      ++publish_errors;
  }
  auto sent_ns = service::steady_ns();
  (*conn)->flush(timeout_ms);
  auto deadline = sent_ns + std::int64_t{timeout_ms} * 1'000'000;
  while (r.answered.load(std::memory_order_acquire) < n
         && service::steady_ns() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  natsSubscription_Unsubscribe(sub);
  // The callback may still run until the unsubscribe is processed: take the
  // counts only now, then leave the vectors alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  natsSubscription_Destroy(sub);

  std::vector<std::int64_t> e2e, svc;
  std::size_t lost = 0;
  for (std::size_t i = skipped; i < n; ++i) {
    if (r.e2e_ns[i] < 0) {
      ++lost;
      continue;
    }
    e2e.push_back(r.e2e_ns[i]);
    svc.push_back(r.svc_ns[i]);
  }
  auto send_rate = static_cast<double>(n) / ((sent_ns - t0) / 1e9);
  auto e = simulator::summarize_latency(e2e);
  auto v = simulator::summarize_latency(svc);
  std::printf("%s at %.0f tx/s (sent at %.0f/s): %llu measured, %zu lost, "
              "%llu error replies, %llu duplicates\n",
              label.c_str(), rate, send_rate,
              static_cast<unsigned long long>(e.count), lost,
              static_cast<unsigned long long>(r.errors.load()),
              static_cast<unsigned long long>(r.duplicates.load()));
  std::printf("  end to end    p50 %8.1f  p90 %8.1f  p99 %8.1f  p999 %8.1f  "
              "max %8.1f us\n",
              e.p50, e.p90, e.p99, e.p999, e.max);
  std::printf("  service       p50 %8.1f  p90 %8.1f  p99 %8.1f  p999 %8.1f  "
              "max %8.1f us\n",
              v.p50, v.p90, v.p99, v.p999, v.max);
  std::printf("RESULT label=%s rate=%.0f send_rate=%.0f measured=%llu "
              "lost=%zu errors=%llu duplicates=%llu publish_errors=%llu %s "
              "%s\n",
              label.c_str(), rate, send_rate,
              static_cast<unsigned long long>(e.count), lost,
              static_cast<unsigned long long>(r.errors.load()),
              static_cast<unsigned long long>(r.duplicates.load()),
              static_cast<unsigned long long>(publish_errors),
              bench::fields("e2e", e).c_str(), bench::fields("svc", v).c_str());
  return lost == 0 ? 0 : 3;
}
