// The actor layer alone: transactions injected straight into
// card_directory::route, as the ingress does after decoding, with a sink
// that records when each decision is delivered. No NATS, no protobuf.
//
// Three phases over the same cards:
//   activate: the first transaction of every card (spawns its actor);
//   saturate: --tx transactions as fast as one thread can route them;
//   paced:    --rate transactions/s for --seconds, open loop, for latency.
#include <sys/prctl.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include "actors/card_directory.hpp"
#include "bench/result_fields.hpp"
#include "bench/recording_sink.hpp"
#include "bench/synthetic.hpp"
#include "service/clock.hpp"
#include "service/config.hpp"

namespace {

using namespace fraud;

long rss_mib() {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6)) / 1024;
  return -1;
}

std::vector<actors::score_request> make_requests(std::uint64_t first,
                                                 std::uint64_t n,
                                                 std::uint32_t cards) {
  std::vector<actors::score_request> out(n);
  for (std::uint64_t i = 0; i < n; ++i)
    out[i].tx = bench::synthetic_transaction(first + i, cards);
  return out;
}

void wait_for(const bench::recording_sink& sink, std::uint64_t n) {
  while (sink.delivered() < n)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

} // namespace

int main(int argc, char** argv) {
  service::config cfg;
  std::uint32_t cards = 100'000;
  std::uint64_t tx = 1'000'000;
  double rate = 10'000;
  double seconds = 2;
  CLI::App app{"pipeline_bench: the actor layer without NATS; accepts "
               "fraudd's options (--scheduler, --workers, ...)"};
  service::declare_options(app, cfg);
  app.add_option("--cards", cards, "distinct cards")->capture_default_str();
  app.add_option("--tx", tx, "transactions in the saturated phase")
    ->capture_default_str();
  app.add_option("--rate", rate, "transactions/s in the paced phase")
    ->capture_default_str();
  app.add_option("--seconds", seconds, "length of the paced phase")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // Sleeps of the paced sender are otherwise rounded up by 50 us.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

  caf::actor_system_config sys_cfg;
  service::apply_actor_settings(cfg, sys_cfg);
  caf::actor_system sys{sys_cfg};
  actors::counters stats;
  actors::ruleset_slot rules{models::make_default_ruleset()};
  auto paced_n = static_cast<std::uint64_t>(rate * seconds);
  bench::recording_sink sink{std::max<std::uint64_t>(tx, paced_n)};
  actors::card_environment env;
  env.sink = &sink;
  env.rules = &rules;
  env.stats = &stats;
  actors::card_directory directory{sys, env, actors::directory_limits{},
                                   cfg.dispatch == "inline"};
  std::uint64_t next = 0;

  // activate: one transaction per card, in card order
  {
    std::vector<actors::score_request> reqs(cards);
    for (std::uint32_t c = 0; c < cards; ++c) {
      reqs[c].tx = bench::synthetic_transaction(next + c, 1);
      reqs[c].tx.card_id = bench::card_id(c);
    }
    next += cards;
    auto rss0 = rss_mib();
    sink.restart();
    auto t0 = service::steady_ns();
    for (auto& r : reqs) {
      r.received_ns = service::steady_ns();
      directory.route(std::move(r));
    }
    wait_for(sink, cards);
    auto s = (service::steady_ns() - t0) / 1e9;
    std::printf("RESULT phase=activate cards=%u tx_per_s=%.0f rss_mib=%ld "
                "rss_per_card_bytes=%.0f\n",
                cards, cards / s, rss_mib(),
                static_cast<double>(rss_mib() - rss0) * 1048576.0 / cards);
  }

  // saturate: one thread routing as fast as it can
  {
    auto reqs = make_requests(next, tx, cards);
    next += tx;
    sink.restart();
    auto t0 = service::steady_ns();
    for (auto& r : reqs) {
      r.received_ns = service::steady_ns();
      directory.route(std::move(r));
    }
    auto routed = service::steady_ns();
    wait_for(sink, tx);
    auto s = (service::steady_ns() - t0) / 1e9;
    auto samples = sink.samples();
    auto lat = simulator::summarize_latency(samples);
    std::printf("RESULT phase=saturate cards=%u tx=%llu tx_per_s=%.0f "
                "route_per_s=%.0f %s\n",
                cards, static_cast<unsigned long long>(tx), tx / s,
                tx / ((routed - t0) / 1e9), bench::fields("lat", lat).c_str());
  }

  // paced: open loop at a fixed rate; latency from routing to the sink
  {
    auto reqs = make_requests(next, paced_n, cards);
    next += paced_n;
    sink.restart();
    auto interval_ns = 1e9 / rate;
    auto t0 = service::steady_ns();
    for (std::uint64_t i = 0; i < paced_n; ++i) {
      auto due = t0 + static_cast<std::int64_t>(i * interval_ns);
      auto now = service::steady_ns();
      if (due > now)
        std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
      reqs[i].received_ns = service::steady_ns();
      directory.route(std::move(reqs[i]));
    }
    wait_for(sink, paced_n);
    auto samples = sink.samples();
    auto lat = simulator::summarize_latency(samples);
    std::printf("RESULT phase=paced cards=%u rate=%.0f tx=%llu %s\n", cards,
                rate, static_cast<unsigned long long>(paced_n),
                bench::fields("lat", lat).c_str());
  }
  return 0;
}
