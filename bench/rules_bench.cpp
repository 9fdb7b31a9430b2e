// The rule language against the hand-written rules it replaces (issue 5):
// the default ruleset, as text compiled by models/rule_compiler, and as
// C++ in models/default_ruleset.cpp, evaluated over the same features in
// the same run. Figures in BENCHMARKS.md, "Rule language (issue 5)".
//
//   rules_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <string>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/synthetic.hpp"
#include "models/rules/compiled_ruleset.hpp"
#include "models/rules/rule_compiler.hpp"
#include "models/scoring.hpp"

namespace {

using namespace fraud;

constexpr std::uint32_t cards = 500;
constexpr std::size_t pool_size = 65'536;
constexpr std::size_t set_size = 4096;  // features measured, cycled

std::shared_ptr<const models::ruleset> language() {
  auto r = models::rules::make_compiled_ruleset(
    models::rules::default_rules_text(), "rules-1", nullptr);
  if (!r)
    std::abort();
  return *r;
}

std::shared_ptr<const models::ruleset> ruleset_for(int which) {
  return which == 0 ? models::make_default_ruleset() : language();
}

// The synthetic stream over `cards` cards, a transaction every 2 s: each
// card pays about every 17 minutes, so windows and profiles are realistic.
const std::vector<models::transaction>& stream() {
  static const auto txs = [] {
    std::vector<models::transaction> out;
    for (std::size_t i = 0; i < pool_size; ++i)
      out.push_back(bench::synthetic_transaction(i, cards, 2000));
    return out;
  }();
  return txs;
}

enum class mix { all, quiet, firing };

// Features of the stream as the cards saw them, kept when they fit `m`:
// all (about one in twenty fires a rule), quiet (none fires), firing (at
// least one fires, so reasons are written).
std::vector<models::features> features_of(mix m) {
  auto hand = models::make_default_ruleset();
  std::unordered_map<std::string, models::card_state> states;
  models::evaluation e;
  std::vector<models::features> out;
  for (auto& tx : stream()) {
    auto& st = states[tx.card_id];
    auto f = st.features_for(tx);
    hand->evaluate(f, e);
    bool fires = !e.reasons.empty();
    if (m == mix::all || (m == mix::firing) == fires)
      out.push_back(f);
    if (e.action == models::action::approve)
      st.apply(tx);
    else
      st.apply_unapproved(tx);
    if (out.size() == set_size)
      break;
  }
  return out;
}

void BM_Evaluate(benchmark::State& state, int which, mix m) {
  auto rules = ruleset_for(which);
  auto fs = features_of(m);
  models::evaluation out;
  std::size_t i = 0, reasons = 0;
  for (auto _ : state) {
    rules->evaluate(fs[i++ % fs.size()], out);
    reasons += out.reasons.size();
    benchmark::DoNotOptimize(out.score);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["reasons_per_tx"] =
    static_cast<double>(reasons) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(BM_Evaluate, hand_all, 0, mix::all);
BENCHMARK_CAPTURE(BM_Evaluate, language_all, 1, mix::all);
BENCHMARK_CAPTURE(BM_Evaluate, hand_quiet, 0, mix::quiet);
BENCHMARK_CAPTURE(BM_Evaluate, language_quiet, 1, mix::quiet);
BENCHMARK_CAPTURE(BM_Evaluate, hand_firing, 0, mix::firing);
BENCHMARK_CAPTURE(BM_Evaluate, language_firing, 1, mix::firing);

// The whole step of a card actor: features, rules, state update, and the
// decision made; each transaction of the stream once, in order.
void BM_ScoreAndApply(benchmark::State& state, int which) {
  auto rules = ruleset_for(which);
  auto& txs = stream();
  std::unordered_map<std::string, models::card_state> states;
  models::evaluation scratch;
  std::size_t i = 0;
  for (auto _ : state) {
    auto& tx = txs[i++];
    auto d = models::score_and_apply(states[tx.card_id], tx, *rules, scratch);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_ScoreAndApply, hand, 0)->Iterations(pool_size);
BENCHMARK_CAPTURE(BM_ScoreAndApply, language, 1)->Iterations(pool_size);

// What every evaluation costs before any rule: the virtual call, clearing
// the evaluation, settling the action (a ruleset without rules).
void BM_EvaluateNoRules(benchmark::State& state) {
  auto rules = *models::rules::make_compiled_ruleset("", "empty", nullptr);
  auto fs = features_of(mix::quiet);
  models::evaluation out;
  std::size_t i = 0;
  for (auto _ : state) {
    rules->evaluate(fs[i++ % fs.size()], out);
    benchmark::DoNotOptimize(out.score);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_EvaluateNoRules);

void BM_Compile(benchmark::State& state) {
  auto text = models::rules::default_rules_text();
  for (auto _ : state) {
    auto c = models::rules::compile(text);
    benchmark::DoNotOptimize(c.program);
  }
}

BENCHMARK(BM_Compile);

} // namespace

BENCHMARK_MAIN();
