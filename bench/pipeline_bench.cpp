// The actor layer alone: transactions injected straight into
// card_directory::route, as the ingress does after decoding, with a sink
// that records when each decision is delivered. No NATS, no protobuf.
//
// Three phases over the same cards:
//   activate: the first transaction of every card (spawns its actor), by
//             the thread of the card's partition (see on_partitions);
//   saturate: --tx transactions as fast as one thread can route them (with
//             --partitions N, N threads, each routing its own cards through
//             its own directory, as fraudd does with N subjects);
//   paced:    --rate transactions/s for --seconds, open loop, for latency.
#include <sys/prctl.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include "actors/runtime/card_directory.hpp"
#include "bench/result_fields.hpp"
#include "bench/recording_sink.hpp"
#include "bench/synthetic.hpp"
#include "service/client/clock.hpp"
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
  unsigned partitions = 1;
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
  app.add_option("--partitions", partitions,
                 "card directories, each with its own routing thread in the "
                 "saturated phase")
    ->capture_default_str()
    ->check(CLI::Range(1u, 64u));
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
  // One directory per partition; a card always goes to the same one.
  std::vector<std::unique_ptr<actors::card_directory>> directories;
  for (unsigned p = 0; p < partitions; ++p)
    directories.push_back(std::make_unique<actors::card_directory>(
      sys, env, actors::directory_limits{}, cfg.dispatch == "inline"));
  auto partition_of = [&](const std::string& card_id) {
    return std::hash<std::string>{}(card_id) % partitions;
  };
  auto route = [&](actors::score_request&& r) {
    directories[partition_of(r.tx.card_id)]->route(std::move(r));
  };
  std::uint64_t next = 0;

  // Each partition's requests routed by a thread of its own, as fraudd's
  // ingress threads do: partition 0 on this thread. A card's actor and
  // state are made by the thread that routes it, as in fraudd (made by
  // another, its memory would come from that thread's malloc arena, and
  // every free of it would take that arena's lock).
  auto on_partitions =
    [&](std::vector<std::vector<actors::score_request>>& parts,
        std::atomic<std::int64_t>& routed) {
      auto run_partition = [&](unsigned p) {
        for (auto& r : parts[p]) {
          r.received_ns = service::steady_ns();
          directories[p]->route(std::move(r));
        }
        auto done = service::steady_ns();
        auto prev = routed.load();
        while (prev < done && !routed.compare_exchange_weak(prev, done))
          ;
      };
      std::vector<std::thread> threads;
      for (unsigned p = 1; p < partitions; ++p)
        threads.emplace_back(run_partition, p);
      run_partition(0);
      for (auto& t : threads)
        t.join();
    };

  // activate: one transaction per card, in card order
  {
    std::vector<std::vector<actors::score_request>> parts(partitions);
    for (std::uint32_t c = 0; c < cards; ++c) {
      actors::score_request r;
      r.tx = bench::synthetic_transaction(next + c, 1);
      r.tx.card_id = bench::card_id(c);
      parts[partition_of(r.tx.card_id)].push_back(std::move(r));
    }
    next += cards;
    auto rss0 = rss_mib();
    sink.restart();
    auto t0 = service::steady_ns();
    std::atomic<std::int64_t> routed{0};
    on_partitions(parts, routed);
    wait_for(sink, cards);
    auto s = (service::steady_ns() - t0) / 1e9;
    std::printf("RESULT phase=activate cards=%u tx_per_s=%.0f rss_mib=%ld "
                "rss_per_card_bytes=%.0f\n",
                cards, cards / s, rss_mib(),
                static_cast<double>(rss_mib() - rss0) * 1048576.0 / cards);
  }

  // saturate: each partition's thread routing as fast as it can
  {
    std::vector<std::vector<actors::score_request>> parts(partitions);
    for (auto& r : make_requests(next, tx, cards))
      parts[partition_of(r.tx.card_id)].push_back(std::move(r));
    next += tx;
    sink.restart();
    std::uint64_t here0 = 0;
    for (auto& d : directories)
      here0 += d->decided_here();
    std::atomic<std::int64_t> routed{0};
    auto t0 = service::steady_ns();
    on_partitions(parts, routed);
    wait_for(sink, tx);
    std::uint64_t here = 0;
    for (auto& d : directories)
      here += d->decided_here();
    here -= here0;
    auto s = (service::steady_ns() - t0) / 1e9;
    auto samples = sink.samples();
    auto lat = simulator::summarize_latency(samples);
    std::printf("RESULT phase=saturate cards=%u partitions=%u tx=%llu "
                "tx_per_s=%.0f route_per_s=%.0f decided_by_router=%.3f %s\n",
                cards, partitions, static_cast<unsigned long long>(tx),
                tx / s, tx / ((routed.load() - t0) / 1e9),
                static_cast<double>(here) / static_cast<double>(tx),
                bench::fields("lat", lat).c_str());
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
      route(std::move(reqs[i]));
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
