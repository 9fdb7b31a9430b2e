#include "simulator/model_backtest.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "models/model_features.hpp"
#include "models/model_score.hpp"
#include "models/rules/compiled_ruleset.hpp"
#include "models/rules/rule_compiler.hpp"
#include "models/xgboost_model.hpp"
#include "simulator/backtest_report.hpp"

namespace fraud::simulator {

namespace {

// The ruleset as it is, noting what the model would have scored on the
// features it was given.
class scoring_probe final : public models::ruleset {
public:
  scoring_probe(const models::ruleset& rules, const models::tree_model& model)
    : rules_(rules), model_(model) {
  }
  const std::string& version() const override {
    return rules_.version();
  }
  void evaluate(const models::features& f,
                models::evaluation& out) const override {
    score_ = model_.predict(models::to_model_row(f).data());
    scored_ = true;
    rules_.evaluate(f, out);
  }
  /// The score of the transaction evaluated since the last call, if any.
  std::optional<float> take() const {
    if (!scored_)
      return std::nullopt;
    scored_ = false;
    return score_;
  }

private:
  const models::ruleset& rules_;
  const models::tree_model& model_;
  mutable float score_ = 0;
  mutable bool scored_ = false;
};

bool read_text(const std::string& path, std::string& out,
               std::string& error) {
  std::ifstream in{path};
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

std::size_t lines_in(const std::string& text) {
  return static_cast<std::size_t>(
           std::count(text.begin(), text.end(), '\n'))
         + 1;
}

// The base rules with the model rules after them, compiled as one text;
// errors name the file and line they are in.
std::shared_ptr<const models::ruleset>
compile_joined(const std::string& base, const std::string& base_name,
               const std::string& extra, const std::string& extra_name,
               std::string& error) {
  auto text = base + "\n" + extra;
  auto c = models::rules::compile(text);
  auto base_lines = lines_in(base);
  for (auto& e : c.errors) {
    bool in_extra = static_cast<std::size_t>(e.line) > base_lines;
    error += (in_extra ? extra_name : base_name) + ":"
             + std::to_string(in_extra ? e.line - base_lines : e.line) + ":"
             + std::to_string(e.column) + ": error: " + e.message + "\n";
  }
  if (!c.program)
    return nullptr;
  return std::make_shared<models::rules::compiled_ruleset>(
    std::move(c.program), nullptr,
    extra_name.empty()
      ? base_name
      : base_name + " + " + extra_name.substr(extra_name.rfind('/') + 1));
}

const char* overlap_text(data_overlap o) {
  switch (o) {
    case data_overlap::none: return "held out (other data than the model was trained on)";
    case data_overlap::same_seed: return "SUSPECT: the same seed as the training data, another scenario";
    case data_overlap::same_data: return "THE MODEL'S OWN TRAINING DATA: these figures say nothing about new data";
  }
  return "";
}

void print_point(std::FILE* out, const char* name, const operating_point& p,
                 double budget) {
  if (!p.found) {
    std::fprintf(out, "    %-15s no threshold keeps false declines within "
                      "%.3g %%\n",
                 name, budget * 100);
    return;
  }
  std::fprintf(out, "    %-15s model_score >= %.6g: recall %.4f, precision "
                    "%.4f, false decline rate %.4f %% (%llu fraud, %llu "
                    "legitimate declined)\n",
               name, p.at.threshold, p.at.recall, p.at.precision,
               p.at.false_decline_rate * 100,
               static_cast<unsigned long long>(p.at.fraud_declined),
               static_cast<unsigned long long>(p.at.legit_declined));
}

nlohmann::json point_json(const curve_point& p) {
  return {{"threshold", p.threshold},
          {"recall", p.recall},
          {"precision", p.precision},
          {"false_decline_rate", p.false_decline_rate},
          {"fraud_declined", p.fraud_declined},
          {"legitimate_declined", p.legit_declined}};
}

nlohmann::json identity_json(const dataset_identity& d) {
  return {{"dataset", d.path},
          {"fingerprint", d.fingerprint},
          {"seed", d.header.seed},
          {"cards", d.header.cards},
          {"days", d.header.days},
          {"transactions", d.rows},
          {"fraud_transactions", d.fraud_rows}};
}

} // namespace

bool model_backtest(const model_backtest_options& o, model_backtest_result& out,
                    std::string& error, bool& refused) {
  refused = false;
  // As fraudd loads it (models::load_score_model), keeping the attributes.
  models::xgboost_model_info info;
  auto loaded = models::load_xgboost_model(o.model_path, &info);
  if (!loaded) {
    error = to_string(loaded.error());
    return false;
  }
  if (auto err = models::check_model_features(*loaded)) {
    error = to_string(with_context(err, "model file " + o.model_path));
    return false;
  }
  auto model = std::make_shared<const models::tree_model>(std::move(*loaded));
  out.trees = model->tree_count();
  out.depth = model->depth();
  out.trained_on = training_data_of(info.attributes);
  auto tested = identify_dataset(o.in_path, error);
  if (!tested)
    return false;
  out.tested_on = *tested;
  if (out.trained_on) {
    out.overlap = overlap(*out.trained_on, out.tested_on);
    if (out.overlap == data_overlap::same_data && !o.allow_training_data) {
      refused = true;
      error = o.in_path + " is the data " + o.model_path
              + " was trained on (" + describe(*out.trained_on)
              + "): a model tested on its training data looks far better "
                "than it is. Test on another seed's dataset, or pass "
                "--allow-training-data to see it anyway.";
      return false;
    }
  }
  std::string base_text, base_name;
  if (o.rules_path.empty()) {
    base_text = std::string{models::rules::default_rules_text()};
    base_name = "built-in default rules";
  } else {
    if (!read_text(o.rules_path, base_text, error))
      return false;
    base_name = o.rules_path;
  }
  std::string extra_text;
  if (!o.model_rules_path.empty()
      && !read_text(o.model_rules_path, extra_text, error))
    return false;
  auto alone = compile_joined(base_text, base_name, "", "", error);
  if (!alone)
    return false;
  auto joined = o.model_rules_path.empty()
                  ? alone
                  : compile_joined(base_text, base_name, extra_text,
                                   o.model_rules_path, error);
  if (!joined)
    return false;
  scoring_probe probe{*alone, *model};
  auto with_model = models::with_model_score(joined, model);
  std::vector<scored_transaction> scored;
  scored.reserve(out.tested_on.rows);
  std::ifstream in{o.in_path, std::ios::binary};
  if (!in) {
    error = "cannot read " + o.in_path;
    return false;
  }
  auto keep = o.json_path.empty() ? o.show : std::size_t{1'000'000};
  bool ok = backtest_compare(
    in, probe, *with_model, keep, out.comparison, error,
    [&](const protocol::labeled_transaction& lt, const models::decision& b,
        const models::decision&) {
      if (auto s = probe.take())
        scored.push_back({*s, lt.label != protocol::fraud_label::legitimate,
                          b.action == models::action::decline});
    });
  if (!ok) {
    error = o.in_path + ": " + error;
    return false;
  }
  out.comparison.baseline_name = alone->version() + " (no model)";
  out.comparison.candidate_name =
    joined->version() + " with model " + o.model_path;
  out.tested_on.fraud_rows = 0;
  for (auto& s : scored)
    out.tested_on.fraud_rows += s.fraud;
  out.curve = make_pr_curve(std::move(scored), o.budget);
  return true;
}

nlohmann::json to_json(const model_backtest_options& o,
                       const model_backtest_result& r) {
  auto j = to_json(o.in_path, r.comparison);
  auto curve = nlohmann::json::array();
  for (auto& p : thinned(r.curve, 400))
    curve.push_back({p.threshold, p.recall, p.precision});
  nlohmann::json model = {
    {"file", o.model_path},
    {"trees", r.trees},
    {"depth", r.depth},
    {"trained_on", r.trained_on ? identity_json(*r.trained_on)
                                : nlohmann::json(nullptr)},
    {"tested_on", identity_json(r.tested_on)},
    {"held_out", r.trained_on && r.overlap == data_overlap::none},
    {"average_precision", r.curve.average_precision},
    {"false_decline_budget", o.budget},
    {"rules_alone", point_json(r.curve.rules_alone)},
    {"pr_curve", {{"columns", {"threshold", "recall", "precision"}},
                  {"points", curve}}}};
  model["operating_point_model_alone"] =
    r.curve.model_alone.found ? point_json(r.curve.model_alone.at)
                              : nlohmann::json(nullptr);
  model["operating_point_with_rules"] =
    r.curve.with_rules.found ? point_json(r.curve.with_rules.at)
                             : nlohmann::json(nullptr);
  if (!o.pr_curve_path.empty())
    model["pr_curve_svg"] = o.pr_curve_path;
  j["model"] = model;
  return j;
}

int run_model_backtest(const model_backtest_options& o) {
  model_backtest_result r;
  std::string error;
  bool refused = false;
  if (!model_backtest(o, r, error, refused)) {
    bool rules_error = error.find(": error: ") != std::string::npos;
    if (!error.empty() && error.back() == '\n')
      error.pop_back();
    std::fprintf(stderr, "fraud-sim: %s%s\n", refused ? "refused: " : "",
                 error.c_str());
    return refused || rules_error ? 2 : 1;
  }
  auto* out = stdout;
  print_comparison(out, o.in_path, r.comparison, o.show);
  std::fprintf(out, "\nmodel: %s (%zu trees, deepest %d)\n",
               o.model_path.c_str(), r.trees, r.depth);
  if (r.trained_on)
    std::fprintf(out, "  trained on: %s\n", describe(*r.trained_on).c_str());
  else
    std::fprintf(out, "  trained on: UNKNOWN: the model file does not say "
                      "(not written by fraud-sim train); make sure the test "
                      "data below is not what it learnt from\n");
  std::fprintf(out, "  tested on:  %s\n", describe(r.tested_on).c_str());
  std::fprintf(out, "              %s\n", overlap_text(r.overlap));
  if (r.overlap != data_overlap::none)
    std::fprintf(stderr, "fraud-sim: WARNING: %s is %s\n", o.in_path.c_str(),
                 overlap_text(r.overlap));
  std::fprintf(out, "  the model alone (on the features the rules alone "
                    "leave): average precision %.4f\n",
               r.curve.average_precision);
  std::fprintf(out, "  operating point, the most fraud declined at a false "
                    "decline rate <= %.3g %%:\n",
               o.budget * 100);
  print_point(out, "model alone:", r.curve.model_alone, o.budget);
  print_point(out, "rules + model:", r.curve.with_rules, o.budget);
  std::fprintf(out, "    %-15s recall %.4f, precision %.4f, false decline "
                    "rate %.4f %%\n",
               "rules alone:", r.curve.rules_alone.recall,
               r.curve.rules_alone.precision,
               r.curve.rules_alone.false_decline_rate * 100);
  if (r.curve.with_rules.found)
    std::fprintf(out, "  as a rule beside the others: score model_score: "
                      "+80 when model_score >= %.6g\n",
                 r.curve.with_rules.at.threshold);
  if (!o.pr_curve_path.empty()) {
    auto base = [](const std::string& path) {
      return path.substr(path.rfind('/') + 1);
    };
    auto title = "Precision-recall of " + base(o.model_path) + " on "
                 + base(o.in_path) + " (seed "
                 + std::to_string(r.tested_on.header.seed) + ")";
    auto subtitle =
      r.trained_on ? "trained on " + base(r.trained_on->path) + " (seed "
                       + std::to_string(r.trained_on->header.seed) + ", "
                       + std::to_string(r.trained_on->rows)
                       + " transactions); " + overlap_text(r.overlap)
                   : std::string{"training data unknown"};
    std::ofstream svg{o.pr_curve_path, std::ios::trunc};
    svg << pr_curve_svg(r.curve, title, subtitle, o.budget);
    if (!svg.flush()) {
      std::fprintf(stderr, "fraud-sim: cannot write %s\n",
                   o.pr_curve_path.c_str());
      return 1;
    }
    std::fprintf(out, "  precision-recall curve: %s\n",
                 o.pr_curve_path.c_str());
  }
  if (!o.json_path.empty()) {
    std::ofstream json{o.json_path, std::ios::trunc};
    json << to_json(o, r).dump(2) << "\n";
    if (!json.flush()) {
      std::fprintf(stderr, "fraud-sim: cannot write %s\n",
                   o.json_path.c_str());
      return 1;
    }
  }
  return 0;
}

} // namespace fraud::simulator
