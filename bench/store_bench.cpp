// The decision store (issue 4): how many decisions a second the SQLite
// writer takes in batches, and how fast a decision is found by tx_id with
// many stored, and a card's latest decisions (fraudctl card).
//
//   store_bench [--decisions N] [--batch B] [--lookups L]
//
// The writer's CPU per decision is this thread's CPU time in write(): the
// SQLite writer runs on the calling thread, and the generating is outside.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sys/resource.h>
#include <sys/stat.h>
#include <algorithm>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "bench/result_fields.hpp"
#include "bench/synthetic.hpp"
#include "models/ruleset.hpp"
#include "models/scoring.hpp"
#include "protocol/codec.hpp"
#include "service/decision_db_reader.hpp"
#include "service/decision_db.hpp"

namespace {

using namespace fraud;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// This thread's CPU time in the kernel (the WAL's writes, page faults).
double thread_sys_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_THREAD, &ru);
  return static_cast<double>(ru.ru_stime.tv_sec)
         + 1e-6 * static_cast<double>(ru.ru_stime.tv_usec);
}

template <class F>
std::int64_t ns_of(F&& f) {
  auto t0 = clock_type::now();
  f();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now() - t0)
    .count();
}

} // namespace

int main(int argc, char** argv) {
  std::size_t decisions = 1'000'000, batch = 20'000, lookups = 20'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--decisions")
      decisions = v;
    else if (flag == "--batch")
      batch = v;
    else if (flag == "--lookups")
      lookups = v;
    else {
      std::fprintf(stderr, "usage: store_bench [--decisions N] [--batch B] "
                           "[--lookups L]\n");
      return 2;
    }
  }
  // In $TMPDIR when set: a 10M fill takes a few GB.
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string{tmp && *tmp ? tmp : "/tmp"}
                     + "/fraud-store-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl.data());
  auto store = service::decision_db::open(dir + "/decisions.db");
  if (!store) {
    std::fprintf(stderr, "%s\n", fraud::to_string(store.error()).c_str());
    return 1;
  }
  // Real decisions: the synthetic stream scored by the default rules.
  auto rules = models::make_default_ruleset();
  models::evaluation scratch;
  std::vector<models::card_state> cards(10'000);
  std::vector<std::string> encoded;
  std::vector<std::string_view> views;
  double write_seconds = 0, cpu_seconds = 0, sys_seconds = 0;
  double longest_batch = 0;  // seconds, with its merge step
  std::size_t written = 0;
  protocol::decision_envelope env;
  env.decided_at_ms = 1'700'000'000'000;
  env.service_latency_ns = 20'000;
  for (std::size_t i = 0; i < decisions; ++i) {
    auto tx = bench::synthetic_transaction(i, 10'000);
    tx.tx_id = "tx-" + std::to_string(i);
    auto d = models::score_and_apply(cards[i % cards.size()], tx, *rules,
                                     scratch);
    ++env.decided_at_ms;
    encoded.emplace_back();
    protocol::encode_decision(d, env, encoded.back());
    if (encoded.size() == batch || i + 1 == decisions) {
      views.assign(encoded.begin(), encoded.end());
      auto t0 = clock_type::now();
      auto c0 = thread_cpu_seconds();
      auto s0 = thread_sys_seconds();
      auto n = (*store)->write(views);
      cpu_seconds += thread_cpu_seconds() - c0;
      sys_seconds += thread_sys_seconds() - s0;
      auto took = seconds_since(t0);
      write_seconds += took;
      longest_batch = std::max(longest_batch, took);
      if (!n) {
        std::fprintf(stderr, "%s\n", fraud::to_string(n.error()).c_str());
        return 1;
      }
      written += *n;
      encoded.clear();
    }
  }
  auto per_second = static_cast<double>(written) / write_seconds;
  auto merges_left = (*store)->merges_left();
  if (!merges_left) {
    std::fprintf(stderr, "%s\n", fraud::to_string(merges_left.error()).c_str());
    return 1;
  }
  auto longest_merge = (*store)->longest_merge_step();
  auto merged_blocks = (*store)->merged_blocks();
  // What a restart costs: the filter of stored tx_ids is read again.
  auto reopened_at = clock_type::now();
  store->reset();
  store = service::decision_db::open(dir + "/decisions.db");
  if (!store) {
    std::fprintf(stderr, "%s\n", fraud::to_string(store.error()).c_str());
    return 1;
  }
  auto reopen_seconds = seconds_since(reopened_at);
  struct stat db_stat {};
  ::stat((dir + "/decisions.db").c_str(), &db_stat);
  auto queries = service::decision_db_reader::open(dir + "/decisions.db");
  std::mt19937_64 rng{7};
  std::vector<std::int64_t> ns;
  for (std::size_t i = 0; i < lookups; ++i) {
    auto id = "tx-" + std::to_string(rng() % decisions);
    fraud::expected<std::string> found = std::string{};
    ns.push_back(ns_of([&] { found = (*queries)->by_tx(id); }));
    if (!found || found->empty()) {
      std::fprintf(stderr, "lookup of %s failed\n", id.c_str());
      return 1;
    }
  }
  auto lat = simulator::summarize_latency(ns);
  // A card's latest 20 decisions, as fraudd answers fraudctl card.
  std::vector<std::int64_t> card_ns;
  for (std::size_t i = 0; i < lookups / 10; ++i) {
    service::decision_filter f;
    f.card_id = bench::synthetic_transaction(rng() % decisions, 10'000).card_id;
    f.bounds.limit = 20;
    fraud::expected<service::decision_page> page = service::decision_page{};
    card_ns.push_back(ns_of([&] { page = (*queries)->search(f); }));
    if (!page || page->decisions.empty()) {
      std::fprintf(stderr, "history of %s failed\n", f.card_id.c_str());
      return 1;
    }
  }
  auto card_lat = simulator::summarize_latency(card_ns);
  auto cpu_us = 1e6 * cpu_seconds / static_cast<double>(written);
  auto sys_us = 1e6 * sys_seconds / static_cast<double>(written);
  std::printf("store: %zu decisions written in batches of %zu at %.0f "
              "decisions/s, writer CPU %.2f us a decision (%.2f in the "
              "kernel); with %zu stored, "
              "lookup by tx_id p50 %.1f us, p99 %.1f us; a card's latest 20 "
              "p50 %.1f us, p99 %.1f us\n",
              written, batch, per_second, cpu_us, sys_us, written, lat.p50,
              lat.p99,
              card_lat.p50, card_lat.p99);
  std::printf("store: longest batch %.1f ms (with its merge step; the "
              "longest merge step %.1f ms, %llu blocks of keys merged), %zu "
              "merges of keys left, database %.0f MB, reopened in %.2f s\n",
              1e3 * longest_batch, 1e3 * longest_merge,
              static_cast<unsigned long long>(merged_blocks),
              *merges_left, static_cast<double>(db_stat.st_size) / 1e6,
              reopen_seconds);
  std::printf("RESULT bench=store decisions=%zu batch=%zu "
              "writes_per_s=%.0f writer_cpu_us=%.2f writer_sys_us=%.2f "
              "longest_batch_ms=%.1f longest_merge_ms=%.1f merges_left=%zu "
              "db_mb=%.0f %s %s\n",
              written, batch, per_second, cpu_us, sys_us, 1e3 * longest_batch,
              1e3 * longest_merge,
              *merges_left, static_cast<double>(db_stat.st_size) / 1e6,
              bench::fields("lookup", lat).c_str(),
              bench::fields("card", card_lat).c_str());
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
