// fraud-sim: generates labelled card traffic, replays it against fraudd
// over NATS, and reports latency and detection. See README.md, section "Simulator".
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "models/model_features.hpp"
#include "models/tree_model.hpp"
#include "simulator/backtest.hpp"
#include "simulator/backtest_report.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/model_backtest.hpp"
#include "simulator/model_provenance.hpp"
#include "simulator/model_training.hpp"
#include "simulator/progress_line.hpp"
#include "simulator/replay.hpp"
#include "simulator/report.hpp"

namespace {

using namespace fraud::simulator;

struct cli {
  generator_options gen;
  replay_options rep;
  std::string out_path;
  std::string in_path;
  std::string json_path;
  std::size_t limit = 0;
  bool max_rate = false;
  bool force_progress = false;
  bool no_progress = false;
  std::string mode = "request";
  std::string rules_path;     // backtest --rules
  std::string baseline_path;  // backtest --baseline
  std::size_t changes = 20;   // backtest: changed decisions to list
  model_backtest_options model_bt;  // backtest --model
  training_options train;
  std::string valid_path;     // train --valid
};

void generator_flags(CLI::App& app, cli& c) {
  app.add_option("--cards", c.gen.cards, "cards in the population")
    ->capture_default_str()
    ->check(CLI::Range(1u, 10'000'000u));
  app.add_option("--days", c.gen.days, "days of activity")
    ->capture_default_str()
    ->check(CLI::Range(1u, 3650u));
  app.add_option("--seed", c.gen.seed, "the same seed gives the same file")
    ->capture_default_str();
  app.add_option("--fraud-rate", c.gen.fraud_rate,
                 "share of cards attacked during the period")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 1.0));
}

void replay_flags(CLI::App& app, cli& c) {
  app.add_option("--nats", c.rep.nats_url,
                 "NATS server URL (default: the local fraudd's embedded "
                 "server, with its credentials; else nats://127.0.0.1:4222)");
  fraud::service::declare_nats_credentials(app, c.rep.auth);
  auto* rate = app.add_option("--rate", c.rep.rate_tps,
                              "open-loop schedule, transactions per second")
                 ->capture_default_str()
                 ->check(CLI::Range(1.0, 10'000'000.0));
  app.add_flag("--max", c.max_rate, "send as fast as possible instead")
    ->excludes(rate);
  app.add_option("--mode", c.mode,
                 "request: each transaction is a request, its reply the "
                 "decision; publish: plain publish, decisions collected from "
                 "fraud.decisions.> and fraud.rejected")
    ->capture_default_str()
    ->check(CLI::IsMember({"request", "publish"}));
  app.add_option("--timeout-ms", c.rep.timeout_ms,
                 "an attempt unanswered this long is re-sent (request mode, "
                 "within --retry-for-ms), else lost")
    ->capture_default_str()
    ->check(CLI::Range(1, 600'000));
  app.add_option("--retry-for-ms", c.rep.retry_for_ms,
                 "request mode: re-send a transaction answered 'no "
                 "responders' or timed out, the same tx_id, for up to this "
                 "long after it was due (0: never)")
    ->capture_default_str()
    ->check(CLI::Range(0, 600'000));
  app.add_option("--retry-backoff-ms", c.rep.retry_backoff_ms,
                 "wait before the first re-send; doubles for each next one")
    ->capture_default_str()
    ->check(CLI::Range(0, 60'000));
  app.add_option("--retry-max-backoff-ms", c.rep.retry_max_backoff_ms,
                 "the longest wait between two re-sends")
    ->capture_default_str()
    ->check(CLI::Range(0, 60'000));
  app.add_option("--limit", c.limit,
                 "replay only the first N transactions (0: all)")
    ->capture_default_str();
  app.add_option("--send-asap", c.rep.send_asap,
                 "flush every publish at once (else nats.c batches)")
    ->capture_default_str();
  app.add_option("--json", c.json_path, "also write the report as JSON");
  app.add_flag("--progress", c.force_progress,
               "show the progress line even when stderr is not a terminal");
  app.add_flag("--no-progress", c.no_progress, "never show it");
}

int fail(const std::string& what) {
  std::fprintf(stderr, "fraud-sim: %s\n", what.c_str());
  return 1;
}

int generate(const cli& c, const std::string& path) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  if (!out)
    return fail("cannot write " + path);
  generation_summary s;
  std::string error;
  if (!generate_dataset(c.gen, out, s, error))
    return fail(error);
  out.close();
  std::printf("fraud-sim: wrote %s: %llu transactions, %u cards over %u "
              "days, seed %llu\n",
              path.c_str(), static_cast<unsigned long long>(s.transactions),
              s.cards, c.gen.days,
              static_cast<unsigned long long>(c.gen.seed));
  for (std::size_t l = 1; l < s.by_label.size(); ++l)
    std::printf("  %-21s %6llu transactions in %4u attacks\n",
                fraud::protocol::to_string(
                  static_cast<fraud::protocol::fraud_label>(l)),
                static_cast<unsigned long long>(s.by_label[l]), s.attacks[l]);
  return 0;
}

int finish(const cli& c, const report& r) {
  print_report(stdout, r);
  std::string error;
  if (!c.json_path.empty() && !write_json(c.json_path, r, error))
    return fail(error);
  return 0;
}

int replay_file(cli c, const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return fail("cannot read " + path);
  replay_set txs;
  std::string error;
  if (!txs.load(in, c.limit, error))
    return fail(path + ": " + error);
  c.rep.request_mode = c.mode == "request";
  if (c.max_rate)
    c.rep.rate_tps = 0;
  c.rep.progress = !c.no_progress
                   && (c.force_progress || progress_line::stderr_is_terminal());
  std::printf("fraud-sim: replaying %zu transactions to %s (%s mode, %s)\n",
              txs.size(),
              c.rep.nats_url.empty()
                ? "the local server"
                : fraud::service::redact_url(c.rep.nats_url).c_str(),
              c.mode.c_str(),
              c.max_rate ? "as fast as possible"
                         : (std::to_string(static_cast<long long>(
                              c.rep.rate_tps))
                            + " tx/s")
                             .c_str());
  std::fflush(stdout);
  report r;
  r.dataset = path;
  r.transactions = txs.size();
  r.replay.emplace();
  if (!replay(txs, c.rep, *r.replay, r.detection, error))
    return fail(error);
  return finish(c, r);
}

int backtest_file(const cli& c) {
  std::ifstream in{c.in_path, std::ios::binary};
  if (!in)
    return fail("cannot read " + c.in_path);
  backtest_result res;
  std::string error;
  if (!backtest(in, res, error))
    return fail(c.in_path + ": " + error);
  report r;
  r.dataset = c.in_path;
  r.transactions = res.transactions;
  r.detection = res.detection;
  return finish(c, r);
}

bool load_training_set(const std::string& path, training_set& out,
                       std::string& error) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  auto rules = fraud::models::make_default_ruleset();
  if (!read_training_set(in, *rules, 0, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

void print_training_set(const char* role, const std::string& path,
                        const training_set& s) {
  std::printf("  %s: %s (seed %llu, %u cards, %u days): %zu transactions, "
              "%llu fraudulent",
              role, path.c_str(),
              static_cast<unsigned long long>(s.header.seed), s.header.cards,
              s.header.days, s.size(),
              static_cast<unsigned long long>(s.fraud()));
  const char* sep = " (";
  for (std::size_t l = 1; l < s.by_label.size(); ++l) {
    if (s.by_label[l] == 0)
      continue;
    std::printf("%s%s %llu", sep,
                fraud::protocol::to_string(
                  static_cast<fraud::protocol::fraud_label>(l)),
                static_cast<unsigned long long>(s.by_label[l]));
    sep = ", ";
  }
  std::printf("%s\n", *sep == ',' ? ")" : "");
}

int train_file(cli c) {
  training_set train;
  training_set valid;
  std::string error;
  if (!load_training_set(c.in_path, train, error))
    return fail(error);
  // What it is trained on goes into the model file, for backtests.
  auto trained_on = identify_dataset(c.in_path, error);
  if (!trained_on)
    return fail(error);
  trained_on->rows = train.size();
  trained_on->fraud_rows = train.fraud();
  c.train.attributes = training_attributes(*trained_on);
  if (!c.valid_path.empty() && !load_training_set(c.valid_path, valid, error))
    return fail(error);
  const auto& o = c.train;
  std::printf("fraud-sim: training %u trees of depth <= %u (binary:logistic, "
              "eta %g, hist, seed %llu) on %zu features, the card state "
              "replayed under the default rules:\n",
              o.trees, o.max_depth, o.learning_rate,
              static_cast<unsigned long long>(o.seed),
              fraud::models::model_feature_count);
  print_training_set("train", c.in_path, train);
  if (valid.size() > 0)
    print_training_set("valid", c.valid_path, valid);
  std::fflush(stdout);
  training_result r;
  if (!train_model(train, valid, o, c.out_path, r, error))
    return fail(error);
  std::printf("fraud-sim: wrote %s: %zu trees, deepest %d, in %.1f s\n"
              "  %s\n"
              "  the hot-path evaluator agrees with XGBoost on %zu rows "
              "(largest difference %.3g)\n"
              "  trained on (kept in the model file): %s\n",
              c.out_path.c_str(), r.trees, r.depth, r.seconds,
              r.metrics.c_str(), r.checked_rows, r.max_difference,
              describe(*trained_on).c_str());
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  cli c;
  CLI::App app{"fraud-sim: generates labelled card transactions (legitimate "
               "cardholders and five fraud typologies), replays them against "
               "fraudd over NATS on an open-loop schedule, and reports "
               "latency and detection quality."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every command");

  auto* gen = app.add_subcommand(
    "generate", "write a labelled dataset (same seed, same bytes)");
  generator_flags(*gen, c);
  gen->add_option("--out", c.out_path, "dataset file to write")->required();

  auto* rep = app.add_subcommand(
    "replay", "send a dataset to fraudd and report latency and detection");
  rep->add_option("--in", c.in_path, "dataset file")->required();
  replay_flags(*rep, c);

  auto* run = app.add_subcommand("run", "generate, then replay (make demo)");
  generator_flags(*run, c);
  run->add_option("--out", c.out_path,
                  "keep the dataset in this file (default: a temporary file, "
                  "removed afterwards)");
  replay_flags(*run, c);

  auto* bt = app.add_subcommand(
    "backtest", "score a dataset offline with the service's own rules, "
                "without NATS: detection only");
  bt->add_option("--in", c.in_path, "dataset file")->required();
  bt->add_option("--json", c.json_path, "also write the report as JSON");
  bt->add_option("--rules", c.rules_path,
                 "a rule file (README: Rules) to compare with the baseline");
  bt->add_option("--baseline", c.baseline_path,
                 "the rule file to compare against (default: the built-in "
                 "default rules)")
    ->needs(bt->get_option("--rules"));
  bt->add_option("--changes", c.changes,
                 "changed decisions to list with --rules")
    ->capture_default_str();
  auto* model_opt = bt->add_option(
    "--model", c.model_bt.model_path,
    "a model (fraud-sim train): the ruleset (--rules, else the default "
    "rules) alone and with the model side by side, the model's "
    "precision-recall curve and operating point");
  bt->add_option("--model-rules", c.model_bt.model_rules_path,
                 "rules reading model_score, added to the ruleset when the "
                 "model is on (e.g. models/examples/model_score.rules)")
    ->needs(model_opt);
  bt->add_option("--pr-curve", c.model_bt.pr_curve_path,
                 "write the model's precision-recall curve here (SVG)")
    ->needs(model_opt);
  bt->add_option("--false-decline-budget", c.model_bt.budget,
                 "the operating point's largest false decline rate")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 1.0))
    ->needs(model_opt);
  bt->add_flag("--allow-training-data", c.model_bt.allow_training_data,
               "test the model on the data it was trained on anyway (the "
               "report says so)")
    ->needs(model_opt);
  model_opt->excludes(bt->get_option("--baseline"));

  auto* tr = app.add_subcommand(
    "train", "train a gradient-boosted tree model (XGBoost) on a labelled "
             "dataset's features, for fraudd --model");
  tr->add_option("--in", c.in_path, "labelled dataset to train on")
    ->required();
  tr->add_option("--out", c.out_path, "model file to write (XGBoost JSON)")
    ->required();
  tr->add_option("--valid", c.valid_path,
                 "a dataset to report held-out metrics on (another seed)");
  tr->add_option("--trees", c.train.trees, "boosting rounds")
    ->capture_default_str()
    ->check(CLI::Range(1u, 10'000u));
  tr->add_option("--max-depth", c.train.max_depth, "depth of each tree")
    ->capture_default_str()
    ->check(CLI::Range(1, fraud::models::tree_model::max_supported_depth));
  tr->add_option("--eta", c.train.learning_rate, "learning rate")
    ->capture_default_str()
    ->check(CLI::Range(0.0001, 1.0));
  tr->add_option("--min-child-weight", c.train.min_child_weight,
                 "least hessian in a leaf")
    ->capture_default_str()
    ->check(CLI::Range(0.0, 1e6));
  tr->add_option("--subsample", c.train.subsample, "rows sampled per tree")
    ->capture_default_str()
    ->check(CLI::Range(0.01, 1.0));
  tr->add_option("--seed", c.train.seed, "the same seed, the same model")
    ->capture_default_str();
  tr->add_option("--threads", c.train.threads, "XGBoost's threads")
    ->capture_default_str()
    ->check(CLI::Range(1u, 256u));

  CLI11_PARSE(app, argc, argv);
  if (auto err = fraud::service::resolve(c.rep.auth))
    return fail(fraud::to_string(err));
  if (*gen)
    return generate(c, c.out_path);
  if (*rep)
    return replay_file(c, c.in_path);
  if (*tr)
    return train_file(c);
  if (*bt && !c.model_bt.model_path.empty()) {
    c.model_bt.in_path = c.in_path;
    c.model_bt.rules_path = c.rules_path;
    c.model_bt.json_path = c.json_path;
    c.model_bt.show = c.changes;
    return run_model_backtest(c.model_bt);
  }
  if (*bt && !c.rules_path.empty())
    return run_rules_backtest(c.in_path, c.rules_path, c.baseline_path,
                              c.changes, c.json_path);
  if (*bt)
    return backtest_file(c);
  // run
  bool temporary = c.out_path.empty();
  std::string path = c.out_path;
  if (temporary) {
    char tmpl[] = "/tmp/fraud-sim-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0)
      return fail("cannot create a temporary file");
    ::close(fd);
    path = tmpl;
  }
  int rc = generate(c, path);
  if (rc == 0)
    rc = replay_file(c, path);
  if (temporary)
    std::remove(path.c_str());
  return rc;
}
