// The trained model on the hot path (issue 16): models::tree_model's cost
// per transaction against XGBoost's own predict call, on
//  - the model fraud-sim train makes by default (300 trees, depth <= 6),
//    trained on a generated dataset (seed 1) and evaluated on another
//    seed's features, as fraudd would see them;
//  - the worst case: 100 to 500 complete trees of depth 6 (trained on
//    noise with the hist method, as fraud-sim train does, so every branch
//    grows), rows with missing values;
// each with the evaluator build() chooses (vectorised with AVX-512 VBMI)
// and with the portable one (BM_TreeModelPortable_*).
// Setup trains the models with XGBoost, which takes some seconds.
//
//   tree_model_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include <benchmark/benchmark.h>

#include "models/model_features.hpp"
#include "models/ruleset.hpp"
#include "models/xgboost_model.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/training_set.hpp"
#include "simulator/xgboost_booster.hpp"

namespace {

using namespace fraud;

constexpr std::size_t rows_cycled = 4096;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tree_model_bench: %s\n", what.c_str());
  std::abort();
}

template <class T>
T must(expected<T> v) {
  if (!v)
    die(to_string(v.error()));
  return std::move(*v);
}

simulator::training_set dataset(std::uint64_t seed) {
  simulator::generator_options o;
  o.cards = 5000;
  o.days = 14;
  o.seed = seed;
  std::stringstream bytes;
  simulator::generation_summary summary;
  std::string error;
  simulator::training_set set;
  if (!simulator::generate_dataset(o, bytes, summary, error)
      || !simulator::read_training_set(bytes, *models::make_default_ruleset(),
                                       0, set, error))
    die(error);
  return set;
}

struct trained {
  simulator::xgb_booster booster;
  models::tree_model model;
  models::tree_model portable;
  std::vector<float> rows;  // rows_cycled rows to evaluate
  std::size_t columns;
};

trained train(const std::vector<float>& x, const std::vector<float>& y,
              std::size_t columns,
              std::vector<std::pair<std::string, std::string>> params,
              int rounds, std::vector<float> rows) {
  auto m = must(simulator::xgb_matrix::from_rows(x.data(), y.size(), columns,
                                                 y.data()));
  auto b = must(simulator::xgb_booster::create(m));
  for (auto& [k, v] : params)
    if (auto err = b.set(k, v))
      die(to_string(err));
  for (int i = 0; i < rounds; ++i)
    if (auto err = b.update(i, m))
      die(to_string(err));
  // Predictions one row at a time on one thread, as a service would.
  if (auto err = b.set("nthread", "1"))
    die(to_string(err));
  auto json = must(b.to_json());
  auto model = must(models::parse_xgboost_model(json));
  auto portable = must(models::parse_xgboost_model(
    json, nullptr, models::tree_evaluator::portable));
  rows.resize(rows_cycled * columns);
  return trained{std::move(b), std::move(model), std::move(portable),
                 std::move(rows), columns};
}

// fraud-sim train's defaults on seed 1; rows from seed 2.
// Built once and never destroyed: XGBoost's own globals may be gone by the
// time statics are.
const trained& simulator_model() {
  static const trained& t = *new trained([] {
    auto train_set = dataset(1);
    auto held_out = dataset(2);
    return train(train_set.rows, train_set.labels, train_set.columns,
                 {{"objective", "binary:logistic"},
                  {"tree_method", "hist"},
                  {"max_depth", "6"},
                  {"eta", "0.1"},
                  {"seed", "1"},
                  {"nthread", "2"},
                  {"verbosity", "0"}},
                 300, held_out.rows);
  }());
  return t;
}

// Noise with a label of its own: XGBoost grows every branch.
std::vector<float> noise(std::size_t rows, std::size_t columns, unsigned seed,
                         double missing) {
  std::mt19937 rng{seed};
  std::normal_distribution<float> normal;
  std::bernoulli_distribution gap{missing};
  std::vector<float> x(rows * columns);
  for (auto& v : x)
    v = gap(rng) ? std::nanf("") : normal(rng);
  return x;
}

const trained& full_depth_model(int trees) {
  static auto& cache = *new std::map<int, trained>;
  auto it = cache.find(trees);
  if (it != cache.end())
    return it->second;
  constexpr std::size_t columns = models::model_feature_count;
  constexpr std::size_t n = 5'000;
  auto x = noise(n, columns, 1, 0.1);
  std::vector<float> y(n);
  std::mt19937 rng{2};
  for (auto& v : y)
    v = static_cast<float>(rng() % 2);
  auto t = train(x, y, columns,
                 {{"objective", "binary:logistic"},
                  {"tree_method", "hist"},
                  {"max_depth", "6"},
                  {"min_child_weight", "0"},
                  {"lambda", "0"},
                  {"seed", "1"},
                  {"nthread", "2"},
                  {"verbosity", "0"}},
                 trees, noise(rows_cycled, columns, 3, 0.1));
  return cache.emplace(trees, std::move(t)).first->second;
}

void report(benchmark::State& state, const models::tree_model& m) {
  state.SetItemsProcessed(state.iterations());
  state.counters["vectorized"] = m.vectorized();
  state.counters["trees"] = static_cast<double>(m.tree_count());
  state.counters["depth"] = m.depth();
  state.counters["kib"] = static_cast<double>(m.memory_bytes()) / 1024.0;
}

void evaluate(benchmark::State& state, const trained& t,
              const models::tree_model& m) {
  std::size_t i = 0;
  for (auto _ : state) {
    float p = m.predict(&t.rows[(i++ % rows_cycled) * t.columns]);
    benchmark::DoNotOptimize(p);
  }
  report(state, m);
}

void BM_TreeModel_Simulator(benchmark::State& state) {
  evaluate(state, simulator_model(), simulator_model().model);
}
BENCHMARK(BM_TreeModel_Simulator);

void BM_TreeModel_FullDepth(benchmark::State& state) {
  const auto& t = full_depth_model(static_cast<int>(state.range(0)));
  evaluate(state, t, t.model);
}
BENCHMARK(BM_TreeModel_FullDepth)->Arg(100)->Arg(300)->Arg(500);

void BM_TreeModelPortable_Simulator(benchmark::State& state) {
  evaluate(state, simulator_model(), simulator_model().portable);
}
BENCHMARK(BM_TreeModelPortable_Simulator);

void BM_TreeModelPortable_FullDepth(benchmark::State& state) {
  const auto& t = full_depth_model(static_cast<int>(state.range(0)));
  evaluate(state, t, t.portable);
}
BENCHMARK(BM_TreeModelPortable_FullDepth)->Arg(100)->Arg(300)->Arg(500);

// The model as fraudd meets it: between two of a card's transactions
// the service does much else (NATS, CAF, protobuf, SQLite), which evicts
// the trees from the caches. Each iteration first writes one byte per
// cache line of a buffer of range(0) KiB (past L2 at 2 MiB, past L3 at
// 64 MiB), then predicts; only the prediction is timed (manual time, a
// steady_clock read on either side of it).
std::vector<std::uint8_t>& sweep_buffer(std::size_t kib) {
  static auto& buffers = *new std::map<std::size_t, std::vector<std::uint8_t>>;
  auto& b = buffers[kib];
  b.resize(kib * 1024);
  return b;
}

void sweep(std::vector<std::uint8_t>& b) {
  for (std::size_t i = 0; i < b.size(); i += 64)
    ++b[i];
  benchmark::ClobberMemory();
}

void cold(benchmark::State& state, const trained& t,
          const models::tree_model& m) {
  auto& b = sweep_buffer(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) {
    sweep(b);
    auto start = std::chrono::steady_clock::now();
    float p = m.predict(&t.rows[(i++ % rows_cycled) * t.columns]);
    benchmark::DoNotOptimize(p);
    state.SetIterationTime(std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count());
  }
  report(state, m);
}

void BM_TreeModel_Simulator_Cold(benchmark::State& state) {
  cold(state, simulator_model(), simulator_model().model);
}
BENCHMARK(BM_TreeModel_Simulator_Cold)->Arg(2048)->Arg(65536)->UseManualTime()->Iterations(2000);

void BM_TreeModelPortable_Simulator_Cold(benchmark::State& state) {
  cold(state, simulator_model(), simulator_model().portable);
}
BENCHMARK(BM_TreeModelPortable_Simulator_Cold)
  ->Arg(2048)
  ->Arg(65536)
  ->UseManualTime()
  ->Iterations(2000);

// XGBoost predicting one row at a time, as a service would have to.
void BM_XGBoostPredict_Simulator(benchmark::State& state) {
  const auto& t = simulator_model();
  std::size_t i = 0;
  for (auto _ : state) {
    auto row = must(simulator::xgb_matrix::from_rows(
      &t.rows[(i++ % rows_cycled) * t.columns], 1, t.columns));
    auto p = const_cast<simulator::xgb_booster&>(t.booster).predict(row);
    benchmark::DoNotOptimize(p);
  }
  report(state, t.model);
}
BENCHMARK(BM_XGBoostPredict_Simulator);

// The feature vector filled from a transaction's features.
void BM_FillModelRow(benchmark::State& state) {
  models::features f;
  f.amount = 42;
  f.tx_count = 12;
  f.seconds_since_last = 600;
  f.has_previous_location = true;
  models::model_row row;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f);
    models::fill_model_row(f, row.data());
    benchmark::DoNotOptimize(row);
  }
}
BENCHMARK(BM_FillModelRow);

} // namespace

BENCHMARK_MAIN();
