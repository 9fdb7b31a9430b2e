// Card state at scale (issue 7), in-process, without NATS:
//   memory   N distinct cards, H transactions each (--history, default
//            1), no cap: RSS per live card, the card's own state, and
//            snapshot sizes;
//   restore  cards passivated to a real SQLite snapshot file, then each
//            one activated by a transaction: latency from routing to the
//            decision (snapshot read + actor spawn + scoring), against
//            brand-new cards that need no read;
//   stream   many more distinct cards than the cap, with snapshots on:
//            RSS stays within the cap's budget and nothing is lost;
//   churn    N transactions round-robin over K live cards at R tx/s, with
//            snapshots written to SQLite every second: the CPU per
//            transaction of the card actors (run inline on the routing
//            thread, as fraudd's ingress runs them) and of the rest of
//            the process (the snapshot writer, mostly), and snapshots
//            written per transaction.
//
//   card_state_bench [--cards N [--history H]] [--restore N]
//                    [--stream N --cap C] [--churn N --over K --rate R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>
#include <ctime>
#include <sys/resource.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/runtime/card_directory.hpp"
#include "actors/snapshot_writer.hpp"
#include "bench/recording_sink.hpp"
#include "bench/result_fields.hpp"
#include "bench/synthetic.hpp"
#include "models/card_snapshot.hpp"
#include "service/client/clock.hpp"
#include "service/snapshot_db.hpp"

namespace {

using namespace fraud;

double rss_mb() {
  std::ifstream in{"/proc/self/statm"};
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE) / 1048576.0;
}

struct sharing_config : caf::actor_system_config {
  sharing_config() {
    set("scheduler.policy", caf::atom("sharing"));
    set("scheduler.max-threads", size_t{2});
  }
};

void wait_for(const bench::recording_sink& sink, std::uint64_t n) {
  while (sink.delivered() < n)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

actors::score_request request_for(std::uint32_t card, std::int64_t minute) {
  actors::score_request r;
  r.tx = bench::synthetic_transaction(card, 0xffffffffu);
  r.tx.card_id = bench::card_id(card);
  r.tx.tx_id = r.tx.card_id + "-" + std::to_string(minute);
  r.tx.event_time_ms = 1'700'000'000'000 + minute * 60'000;
  r.received_ns = service::steady_ns();
  return r;
}

// `history` transactions for each of `cards` cards (ordinary synthetic
// traffic: amounts, merchants, devices, places), without snapshots.
void memory(std::uint32_t cards, std::uint32_t history) {
  sharing_config cfg;
  caf::actor_system sys{cfg};
  bench::recording_sink sink;
  actors::counters stats;
  actors::ruleset_slot rules{models::make_default_ruleset()};
  actors::card_environment env;
  env.sink = &sink;
  env.rules = &rules;
  env.stats = &stats;
  auto before = rss_mb();
  {
    actors::card_directory directory{sys, env};
    if (history <= 1) {
      for (std::uint32_t i = 0; i < cards; ++i)
        directory.route(request_for(i, 0), 0);
    } else {
      // A transaction a minute over all cards: each card's history spans
      // days, as an ordinary card's does.
      for (std::uint64_t i = 0; i < std::uint64_t{cards} * history; ++i) {
        actors::score_request r;
        r.tx = bench::synthetic_transaction(i, cards, 60'000 / cards + 1);
        r.received_ns = service::steady_ns();
        directory.route(std::move(r), 0);
        if (i % 100'000 == 0)
          wait_for(sink, i);  // keeps mailboxes short
      }
    }
    wait_for(sink, std::uint64_t{cards} * std::max<std::uint32_t>(history, 1));
    auto after = rss_mb();
    auto per_card = (after - before) * 1048576.0 / cards;
    models::card_state state;
    models::recent_ids ids;
    auto tx = request_for(1, 0).tx;
    state.apply(tx);
    ids.add(tx.tx_id);
    std::string bytes;
    models::save_snapshot(state, ids, bytes);
    std::printf("memory: %u live cards, %u transactions each, RSS +%.0f MB "
                "= %.0f bytes per card "
                "(card state %zu bytes, actor state %zu bytes, snapshot of a "
                "one-transaction card %zu bytes)\n",
                cards, std::max<std::uint32_t>(history, 1), after - before,
                per_card, sizeof(models::card_state),
                sizeof(actors::card_actor_state), bytes.size());
    std::printf("RESULT bench=card_memory cards=%u history=%u "
                "rss_per_card_bytes=%.0f "
                "card_state_bytes=%zu actor_state_bytes=%zu "
                "snapshot_bytes=%zu\n",
                cards, std::max<std::uint32_t>(history, 1), per_card,
                sizeof(models::card_state), sizeof(actors::card_actor_state),
                bytes.size());
  }
}

// What the snapshot modes share: an actor system, a sink, the counters
// and the default rules, and the environment card actors see.
struct card_world {
  card_world() {
    env.sink = &sink;
    env.rules = &rules;
    env.stats = &stats;
  }
  auto parts() { return std::tie(sys, sink, stats, env); }
  bench::recording_sink sink;
  actors::counters stats;
  actors::ruleset_slot rules{models::make_default_ruleset()};
  actors::card_environment env;
  sharing_config cfg;
  caf::actor_system sys{cfg};  // last, so first to go: its actors use the rest
};

struct snapshot_rig {
  explicit snapshot_rig(const std::string& path)
    : db(std::move(*service::snapshot_db::open(path))),
      reads(std::make_unique<service::snapshot_read_pool>(path)),
      queue(10'000'000),
      filter(16 << 20) {
  }
  void start(caf::actor_system& sys, actors::counters& stats,
             actors::card_environment& env, std::chrono::milliseconds every) {
    pending = std::make_unique<actors::pending_snapshots>(queue, stats);
    actors::snapshot_environment se;
    se.pending = pending.get();
    se.backend = db.get();
    se.stats = &stats;
    se.interval = every;
    writer = sys.spawn<caf::detached>(actors::snapshot_writer, se);
    env.snapshot_queue = &queue;
    env.pending = pending.get();
    env.snapshot_reads = reads.get();
    env.filter = &filter;
  }
  void flush(caf::actor_system& sys) {
    caf::scoped_actor self{sys};
    self->request(writer, caf::infinite, actors::flush_atom::value)
      .receive([](std::uint64_t) {}, [](caf::error&) {});
  }
  void stop(actors::card_environment& env) {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    // no handle may outlive the actor system's shutdown
    writer = nullptr;
    env.pending = nullptr;
    env.snapshot_reads = nullptr;
  }
  std::unique_ptr<actors::pending_snapshots> pending;
  actors::snapshot_writer_actor writer;
  std::unique_ptr<service::snapshot_db> db;
  std::unique_ptr<service::snapshot_read_pool> reads;
  actors::store_queue queue;
  actors::card_filter filter;
};

void restore(std::uint32_t cards, const std::string& dir) {
  // The rig outlives the actor system: its actors use it to the end.
  snapshot_rig rig{dir + "/restore-cards.db"};
  sharing_config cfg;
  caf::actor_system sys{cfg};
  bench::recording_sink sink{cards};
  actors::counters stats;
  actors::ruleset_slot rules{models::make_default_ruleset()};
  actors::card_environment env;
  env.sink = &sink;
  env.rules = &rules;
  env.stats = &stats;
  rig.start(sys, stats, env, std::chrono::milliseconds{100});
  auto pace = [](std::uint32_t i, std::chrono::steady_clock::time_point t0) {
    // open loop at 5,000 activations/s: latency, not queueing, is measured
    std::this_thread::sleep_until(t0 + std::chrono::microseconds(200) * i);
  };
  auto run = [&](std::int64_t minute, std::uint64_t already) {
    actors::card_directory directory{sys, env};
    sink.restart();
    auto t0 = std::chrono::steady_clock::now();
    for (std::uint32_t i = 0; i < cards; ++i) {
      pace(i, t0);
      directory.route(request_for(i, minute), service::steady_ns());
    }
    wait_for(sink, cards);
    (void) already;
    auto samples = sink.samples();
    return simulator::summarize_latency(samples);
  };
  auto fresh = run(0, 0);
  rig.flush(sys);
  auto restored = run(60, 0);
  std::printf("activation: %u new cards p50 %.1f us p99 %.1f us; %u cards "
              "restored from SQLite p50 %.1f us p99 %.1f us (restored %llu)\n",
              cards, fresh.p50, fresh.p99, cards, restored.p50,
              restored.p99,
              static_cast<unsigned long long>(stats.restored.get()));
  std::printf("RESULT bench=card_activation cards=%u %s %s\n", cards,
              bench::fields("fresh", fresh).c_str(),
              bench::fields("restored", restored).c_str());
  rig.stop(env);
}

void stream(std::uint32_t cards, std::size_t cap, const std::string& dir) {
  // The rig outlives the actor system: its actors use it to the end.
  snapshot_rig rig{dir + "/stream-cards.db"};
  card_world w;
  auto [sys, sink, stats, env] = w.parts();  // references
  rig.start(sys, stats, env, std::chrono::milliseconds{1000});
  auto before = rss_mb();
  double peak = before;
  auto t0 = std::chrono::steady_clock::now();
  {
    actors::card_directory directory{sys, env, {cap, 0, 4096}};
    for (std::uint32_t i = 0; i < cards; ++i) {
      directory.route(request_for(i, 0), 0);
      // keep the backlog bounded: the routing thread waits for the actors
      if ((i & 0xffff) == 0xffff) {
        while (sink.delivered() + 200'000 < i)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        peak = std::max(peak, rss_mb());
      }
    }
    wait_for(sink, cards);
    peak = std::max(peak, rss_mb());
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                            - t0)
                .count();
  rig.flush(sys);
  std::printf("stream: %u distinct cards through a cap of %zu in %.1f s "
              "(%.0f tx/s): decided %llu, passivated %llu, snapshots written "
              "%llu, dropped %llu; RSS peak +%.0f MB\n",
              cards, cap, secs, cards / secs,
              static_cast<unsigned long long>(sink.delivered()),
              static_cast<unsigned long long>(stats.passivations.get()),
              static_cast<unsigned long long>(stats.snapshots_written.get()),
              static_cast<unsigned long long>(stats.snapshot_dropped.get()),
              peak - before);
  std::printf("RESULT bench=card_stream cards=%u cap=%zu decided=%llu "
              "lost=%llu tx_per_s=%.0f rss_peak_mb=%.0f\n",
              cards, cap, static_cast<unsigned long long>(sink.delivered()),
              static_cast<unsigned long long>(cards - sink.delivered()),
              cards / secs, peak - before);
  rig.stop(env);
}

double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double process_cpu_us() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

void churn(std::uint64_t n, std::uint32_t cards, std::uint32_t rate,
           const std::string& dir) {
  snapshot_rig rig{dir + "/churn-cards.db"};
  card_world w;
  auto [sys, sink, stats, env] = w.parts();  // references
  rig.start(sys, stats, env, std::chrono::milliseconds{1000});
  double routing_us = 0, process_us = 0;
  {
    actors::card_directory directory{sys, env, {}, true};
    // Every card live first, so that the run measures steady state.
    for (std::uint32_t c = 0; c < cards; ++c)
      directory.route(request_for(c, 0), 0);
    wait_for(sink, cards);
    rig.flush(sys);
    auto written0 = stats.snapshots_written.get();
    auto cpu0 = thread_cpu_us();
    auto proc0 = process_cpu_us();
    auto t0 = std::chrono::steady_clock::now();
    auto gap = std::chrono::nanoseconds(1'000'000'000 / std::max(rate, 1u));
    for (std::uint64_t i = 0; i < n; ++i) {
      if ((i & 63) == 0)
        std::this_thread::sleep_until(t0 + gap * i);
      auto card = static_cast<std::uint32_t>(i % cards);
      directory.route(request_for(card, 1 + static_cast<std::int64_t>(i / cards)),
                      0);
    }
    wait_for(sink, cards + n);
    // The last interval's snapshots, as the writer's next tick would.
    rig.flush(sys);
    routing_us = thread_cpu_us() - cpu0;
    process_us = process_cpu_us() - proc0;
    auto written = stats.snapshots_written.get() - written0;
    std::printf("churn: %llu transactions over %u cards at %u tx/s: card "
                "actors (routing thread) %.2f us/tx, rest of the process "
                "(snapshot writer, CAF) %.2f us/tx, total %.2f us/tx; "
                "snapshots written %llu (%.3f per tx)\n",
                static_cast<unsigned long long>(n), cards, rate,
                routing_us / n, (process_us - routing_us) / n,
                process_us / n, static_cast<unsigned long long>(written),
                static_cast<double>(written) / n);
    std::printf("RESULT bench=card_churn tx=%llu cards=%u rate=%u "
                "routing_us_per_tx=%.3f rest_us_per_tx=%.3f "
                "total_us_per_tx=%.3f snapshots_per_tx=%.4f\n",
                static_cast<unsigned long long>(n), cards, rate,
                routing_us / n, (process_us - routing_us) / n,
                process_us / n, static_cast<double>(written) / n);
  }
  rig.stop(env);
}

} // namespace

int main(int argc, char** argv) {
  std::uint32_t cards = 1'000'000, restore_cards = 20'000, stream_cards = 0;
  std::size_t cap = 100'000;
  std::uint32_t history = 1;
  std::uint64_t churn_tx = 0;
  std::uint32_t churn_cards = 1'000, churn_rate = 20'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--cards")
      cards = static_cast<std::uint32_t>(value);
    else if (flag == "--restore")
      restore_cards = static_cast<std::uint32_t>(value);
    else if (flag == "--stream")
      stream_cards = static_cast<std::uint32_t>(value);
    else if (flag == "--cap")
      cap = value;
    else if (flag == "--history")
      history = static_cast<std::uint32_t>(value);
    else if (flag == "--churn")
      churn_tx = value;
    else if (flag == "--over")
      churn_cards = static_cast<std::uint32_t>(value);
    else if (flag == "--rate")
      churn_rate = static_cast<std::uint32_t>(value);
    else {
      std::fprintf(stderr, "usage: card_state_bench [--cards N [--history "
                           "H]] [--restore N] [--stream N --cap C] [--churn N "
                           "--over K --rate R]\n");
      return 2;
    }
  }
  char tmpl[] = "/tmp/fraud-card-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  if (cards > 0)
    memory(cards, history);
  if (restore_cards > 0)
    restore(restore_cards, dir);
  if (stream_cards > 0)
    stream(stream_cards, cap, dir);
  if (churn_tx > 0)
    churn(churn_tx, churn_cards, churn_rate, dir);
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
