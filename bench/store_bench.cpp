// The decision store (issue 4): how many decisions a second the SQLite
// writer takes in batches, and how fast a decision is found by tx_id with
// many stored.
//
//   store_bench [--decisions N] [--batch B] [--lookups L]
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
  char tmpl[] = "/tmp/fraud-store-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
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
  double write_seconds = 0;
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
      auto n = (*store)->write(views);
      write_seconds += seconds_since(t0);
      if (!n) {
        std::fprintf(stderr, "%s\n", fraud::to_string(n.error()).c_str());
        return 1;
      }
      written += *n;
      encoded.clear();
    }
  }
  auto per_second = static_cast<double>(written) / write_seconds;
  auto queries = service::decision_db_reader::open(dir + "/decisions.db");
  std::mt19937_64 rng{7};
  std::vector<std::int64_t> ns;
  for (std::size_t i = 0; i < lookups; ++i) {
    auto id = "tx-" + std::to_string(rng() % decisions);
    auto t0 = clock_type::now();
    auto found = (*queries)->by_tx(id);
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                   clock_type::now() - t0)
                   .count());
    if (!found || found->empty()) {
      std::fprintf(stderr, "lookup of %s failed\n", id.c_str());
      return 1;
    }
  }
  auto lat = simulator::summarize_latency(ns);
  std::printf("store: %zu decisions written in batches of %zu at %.0f "
              "decisions/s; lookup by tx_id with %zu stored: p50 %.1f us, "
              "p99 %.1f us\n",
              written, batch, per_second, written, lat.p50, lat.p99);
  std::printf("RESULT bench=store decisions=%zu batch=%zu "
              "writes_per_s=%.0f %s\n",
              written, batch, per_second, bench::fields("lookup", lat).c_str());
  std::system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
