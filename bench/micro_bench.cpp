// Micro benchmarks of the hot path's stages, each per transaction: what
// decoding, features, rules, encoding and one actor hop cost on their own.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <benchmark/benchmark.h>
#include <caf/all.hpp>

#include "actors/runtime/card_directory.hpp"
#include "actors/runtime/entity_directory.hpp"
#include "actors/runtime/entity_outbox.hpp"
#include "bench/recording_sink.hpp"
#include "bench/synthetic.hpp"
#include "models/scoring.hpp"
#include "protocol/codec.hpp"
#include "service/config.hpp"

namespace {

using namespace fraud;

// One card's life: a transaction every 20 minutes, so that velocity rules
// see ordinary spending and the occasional large amount makes rules fire.
constexpr std::size_t stream_size = 4096;
constexpr std::int64_t step_ms = 20 * 60'000;

std::vector<models::transaction> one_card_stream() {
  std::vector<models::transaction> out;
  for (std::size_t i = 0; i < stream_size; ++i)
    out.push_back(bench::synthetic_transaction(i, 1, step_ms));
  return out;
}

// A card with this much history before the measured transactions.
models::card_state warm_state(const std::vector<models::transaction>& txs,
                              std::size_t history) {
  models::card_state st;
  for (std::size_t i = 0; i < history; ++i)
    st.apply(txs[i]);
  return st;
}

void BM_DecodeValidate(benchmark::State& state) {
  std::vector<std::string> wire;
  for (auto& tx : one_card_stream()) {
    wire.emplace_back();
    protocol::encode_transaction(tx, wire.back());
  }
  models::transaction out;
  std::size_t i = 0;
  for (auto _ : state) {
    auto& w = wire[i++ % wire.size()];
    auto err = protocol::decode_transaction(w.data(), w.size(), out);
    benchmark::DoNotOptimize(err);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations()
                          * static_cast<std::int64_t>(wire[0].size()));
}
BENCHMARK(BM_DecodeValidate);

void BM_Features(benchmark::State& state) {
  auto txs = one_card_stream();
  auto st = warm_state(txs, 64);
  std::size_t i = 64;
  for (auto _ : state) {
    auto f = st.features_for(txs[64 + i++ % (stream_size - 64)]);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Features);

void BM_RulesetEvaluate(benchmark::State& state) {
  auto txs = one_card_stream();
  std::vector<models::features> fs;
  models::card_state st;
  for (auto& tx : txs) {
    fs.push_back(st.features_for(tx));
    st.apply(tx);
  }
  auto rules = models::make_default_ruleset();
  models::evaluation out;
  std::size_t i = 0, fired = 0;
  for (auto _ : state) {
    rules->evaluate(fs[i++ % fs.size()], out);
    fired += out.reasons.size();
  }
  state.SetItemsProcessed(state.iterations());
  // A label, not a counter: the CSV reporter wants the same counters in
  // every benchmark.
  state.SetLabel("reasons/tx "
                 + std::to_string(static_cast<double>(fired)
                                  / static_cast<double>(state.iterations())));
}
BENCHMARK(BM_RulesetEvaluate);

// The card's stream with what scoring it takes.
struct scored_card {
  std::vector<models::transaction> txs = one_card_stream();
  std::shared_ptr<const models::ruleset> rules =
    models::make_default_ruleset();
  models::card_state state;
  models::evaluation scratch;

  models::decision score(const models::transaction& tx) {
    return models::score_and_apply(state, tx, *rules, scratch);
  }
};

void BM_ScoreAndApply(benchmark::State& state) {
  scored_card c;
  std::size_t i = 0;
  for (auto _ : state) {
    auto& tx = c.txs[i++ % c.txs.size()];
    if (i % c.txs.size() == 0) // next lap: keep event time moving forward
      for (auto& t : c.txs)
        t.event_time_ms += static_cast<std::int64_t>(stream_size) * step_ms;
    auto d = c.score(tx);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScoreAndApply);

void BM_DecisionEncode(benchmark::State& state) {
  scored_card c;
  std::vector<models::decision> ds;
  for (auto& tx : c.txs)
    ds.push_back(c.score(tx));
  protocol::decision_envelope env;
  env.decided_at_ms = 1'700'000'000'000;
  env.service_latency_ns = 12'345;
  std::string out;
  std::size_t i = 0;
  for (auto _ : state) {
    protocol::encode_decision(ds[i++ % ds.size()], env, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecisionEncode);

// The actor layer as fraudd configures it: fraudd's defaults, or its actor
// options given on the command line (see main).
service::config& actor_settings() {
  static service::config cfg;
  return cfg;
}

struct actor_bench {
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  actors::counters stats;
  actors::ruleset_slot rules{models::make_default_ruleset()};
  bench::recording_sink sink;
  actors::card_environment env;
  std::unique_ptr<actors::card_directory> cards;

  explicit actor_bench(bool run_inline) {
    service::apply_actor_settings(actor_settings(), sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    env.sink = &sink;
    env.rules = &rules;
    env.stats = &stats;
    cards = std::make_unique<actors::card_directory>(
      *sys, env, actors::directory_limits{}, run_inline);
  }
};

// Argument 0: dispatch by CAF's scheduler (a worker thread runs the card
// actor); 1: inline (the routing thread runs it when it is idle).
void label_dispatch(benchmark::State& state) {
  state.SetLabel(state.range(0) != 0 ? "inline" : "scheduler");
}

// One transaction at a time through route → card actor → sink, waiting for
// its decision before sending the next.
void hop_one_at_a_time(benchmark::State& state, actor_bench& b,
                       const std::vector<models::transaction>& txs) {
  std::size_t i = 0;
  for (auto _ : state) {
    actors::score_request r;
    r.tx = txs[i++ % txs.size()];
    r.tx.event_time_ms += static_cast<std::int64_t>(i) * step_ms;
    auto before = b.sink.delivered();
    b.cards->route(std::move(r));
    while (b.sink.delivered() == before)
      ; // spin: the worker's wake-up is what is measured
  }
  state.SetItemsProcessed(state.iterations());
}

// The hop's latency when the worker is idle, as at low and moderate rates.
void BM_CardActorHop(benchmark::State& state) {
  label_dispatch(state);
  actor_bench b{state.range(0) != 0};
  hop_one_at_a_time(state, b, one_card_stream());
}
BENCHMARK(BM_CardActorHop)->Arg(0)->Arg(1)->UseRealTime();

// As BM_CardActorHop inline, with entity state on (fraudd's default):
// argument 0, a card-present payment naming no device or IP address (it
// must pay nothing for them); 1, an online payment naming a device, an IP
// address and its merchant, whose actors the card asks first (four more
// messages on the routing thread; the payments are approved, so no
// decline is told to them after); 2, the same in a cluster: each
// observation also pushed to the outbox for the other instances, which a
// thread drains every 2 ms as the publisher does (without encoding or
// sending it: that is off the scoring path).
void BM_CardActorHopEntities(benchmark::State& state) {
  bool named = state.range(0) != 0;
  bool clustered = state.range(0) == 2;
  state.SetLabel(clustered ? "device+ip+merchant, cluster"
                 : named   ? "device+ip+merchant"
                           : "none named");
  actor_bench b{true};
  actors::entity_directory entities{*b.sys, actors::entity_limits{},
                                    &b.stats};
  b.env.entities = &entities;
  actors::entity_outbox outbox{65536};
  std::atomic<bool> stop{false};
  std::thread drainer;
  if (clustered) {
    b.env.outbox = &outbox;
    drainer = std::thread{[&] {
      std::vector<models::entity_observation> batch;
      while (!stop.load()) {
        batch.clear();
        while (outbox.drain(batch, 512) > 0)
          batch.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }};
  }
  auto txs = one_card_stream();
  for (auto& tx : txs) {
    tx.channel = named ? models::channel::ecom : models::channel::pos;
    tx.device_id = named ? "device-4711" : "";
    tx.ip = named ? "203.0.113.77" : "";
  }
  hop_one_at_a_time(state, b, txs);
  stop.store(true);
  if (drainer.joinable())
    drainer.join();
  if (b.stats.entity_observations_dropped.get() > 0)
    state.SkipWithError("observations dropped: the outbox was full");
  b.cards.reset();
  entities.stop_all();
}
BENCHMARK(BM_CardActorHopEntities)->Arg(0)->Arg(1)->Arg(2)->UseRealTime();

// What BM_CardActorHopEntities/2 adds, alone and without the noise of an
// actor hop: a card actor's push of one observation (a device, an IP
// address and a merchant) to the outbox, with the publisher's drain of
// every 512 on the same thread.
void BM_EntityOutboxPush(benchmark::State& state) {
  actors::entity_outbox outbox{65536};
  std::vector<models::entity_observation> batch;
  models::entity_use use{0x12345678, 1'700'000'000'000, false};
  std::size_t n = 0;
  for (auto _ : state) {
    ++use.time_ms;
    if (!outbox.push(use, false,
                     {"3f0c2a8e-5b7d-4c1e-9a44-0d2b6f8e1c37", "203.0.113.77",
                      "mer_shop"}))
      state.SkipWithError("the outbox was full");
    if (++n % 512 == 0) {
      batch.clear();
      outbox.drain(batch, 512);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntityOutboxPush);

// Batches of 1,000 transactions over 1,000 cards, waiting for the batch:
// the hop's cost per transaction when workers are busy.
void BM_CardActorHopBatch(benchmark::State& state) {
  constexpr std::size_t batch = 1000;
  label_dispatch(state);
  actor_bench b{state.range(0) != 0};
  std::vector<models::transaction> txs;
  for (std::size_t i = 0; i < batch; ++i)
    txs.push_back(bench::synthetic_transaction(i, batch, step_ms));
  std::int64_t lap = 0;
  for (auto _ : state) {
    auto before = b.sink.delivered();
    ++lap;
    for (auto& tx : txs) {
      actors::score_request r;
      r.tx = tx;
      r.tx.event_time_ms += lap * static_cast<std::int64_t>(batch) * step_ms;
      b.cards->route(std::move(r));
    }
    while (b.sink.delivered() < before + batch)
      std::this_thread::yield();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_CardActorHopBatch)->Arg(0)->Arg(1)->UseRealTime();

} // namespace

// Google Benchmark's flags first; whatever it leaves are fraudd's options,
// so that --scheduler, --workers and the polling knobs tune the actor hop
// exactly as they tune fraudd.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  CLI::App app{"micro_bench: hot-path stages; accepts fraudd's options"};
  fraud::service::declare_options(app, actor_settings());
  CLI11_PARSE(app, argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
