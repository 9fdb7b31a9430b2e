// fraud-sim backtest --model on small generated datasets: the ruleset
// alone is the plain backtest, a model rule that fires on everything or on
// nothing gives known answers, the curve and its operating point are
// consistent with the counts, the SVG is well-formed XML, and a model is
// never tested on its own training data unless asked (then it says so).
#include "simulator/model_backtest.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "models/ruleset.hpp"
#include "simulator/backtest.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/model_training.hpp"
#include "simulator/training_set.hpp"

namespace {

using namespace fraud;
using namespace fraud::simulator;
namespace fs = std::filesystem;

// A directory of its own, with an ampersand in its name so that the SVG's
// text must be escaped.
struct scratch {
  fs::path dir;
  scratch() {
    std::random_device rd;
    dir = fs::temp_directory_path()
          / ("model-backtest-a&b-" + std::to_string(rd()));
    fs::create_directories(dir);
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const {
    return (dir / name).string();
  }
};

std::string generate(const scratch& s, std::uint64_t seed) {
  generator_options o;
  o.cards = 1500;
  o.days = 7;
  o.seed = seed;
  o.fraud_rate = 0.06;
  auto path = s.path("seed" + std::to_string(seed) + ".bin");
  std::ofstream out{path, std::ios::binary};
  generation_summary summary;
  std::string error;
  EXPECT_TRUE(generate_dataset(o, out, summary, error)) << error;
  return path;
}

// A small model, with its training data written into it as fraud-sim
// train does (or not).
std::string train(const scratch& s, const std::string& data,
                  bool provenance = true) {
  std::ifstream in{data, std::ios::binary};
  training_set set;
  std::string error;
  EXPECT_TRUE(read_training_set(in, *models::make_default_ruleset(), 0, set,
                                error))
    << error;
  training_options o;
  o.trees = 40;
  o.max_depth = 4;
  if (provenance) {
    auto id = identify_dataset(data, error);
    EXPECT_TRUE(id) << error;
    id->rows = set.size();
    id->fraud_rows = set.fraud();
    o.attributes = training_attributes(*id);
  }
  auto path = s.path(provenance ? "model.json" : "anonymous.json");
  training_result r;
  EXPECT_TRUE(train_model(set, {}, o, path, r, error)) << error;
  return path;
}

std::string write(const scratch& s, const std::string& name,
                  const std::string& text) {
  auto path = s.path(name);
  std::ofstream{path} << text;
  return path;
}

// One shared set of files: generating and training take a few seconds.
struct files {
  scratch dir;
  std::string train_data = generate(dir, 1);
  std::string test_data = generate(dir, 2);
  std::string model = train(dir, train_data);
};

files& shared() {
  static files f;
  return f;
}

model_backtest_options options(const std::string& data) {
  model_backtest_options o;
  o.in_path = data;
  o.model_path = shared().model;
  return o;
}

model_backtest_result run(const model_backtest_options& o) {
  model_backtest_result r;
  std::string error;
  bool refused = false;
  EXPECT_TRUE(model_backtest(o, r, error, refused)) << error;
  EXPECT_FALSE(refused);
  return r;
}

TEST(model_backtest, the_rules_alone_are_the_plain_backtest_and_the_report_names_both_datasets) {
  auto& f = shared();
  auto r = run(options(f.test_data));
  std::ifstream in{f.test_data, std::ios::binary};
  backtest_result plain;
  std::string error;
  ASSERT_TRUE(backtest(in, plain, error)) << error;
  EXPECT_EQ(r.comparison.transactions, plain.transactions);
  EXPECT_EQ(r.comparison.baseline.recall, plain.detection.recall);
  EXPECT_EQ(r.comparison.baseline.false_decline_rate,
            plain.detection.false_decline_rate);
  // No rule reads model_score: the model changes nothing.
  EXPECT_EQ(r.comparison.changed, 0u);
  ASSERT_TRUE(r.trained_on);
  EXPECT_EQ(r.trained_on->header.seed, 1u);
  EXPECT_EQ(r.trained_on->path, f.train_data);
  EXPECT_GT(r.trained_on->rows, 0u);
  EXPECT_EQ(r.tested_on.header.seed, 2u);
  EXPECT_EQ(r.overlap, data_overlap::none);
  EXPECT_EQ(r.trees, 40u);
}

TEST(model_backtest, a_model_rule_that_always_fires_declines_everything_and_one_that_never_does_nothing) {
  auto& f = shared();
  auto o = options(f.test_data);
  o.model_rules_path = write(f.dir, "all.rules",
                             "score everything: +80\n  when model_score >= 0\n");
  auto all = run(o);
  EXPECT_EQ(all.comparison.candidate.recall, 1.0);
  EXPECT_EQ(all.comparison.candidate.false_decline_rate, 1.0);
  EXPECT_NE(all.comparison.candidate_name.find("all.rules"), std::string::npos);
  o.model_rules_path = write(f.dir, "none.rules",
                             "score nothing: +80\n  when model_score > 1\n");
  auto none = run(o);
  EXPECT_EQ(none.comparison.changed, 0u);
  EXPECT_EQ(none.comparison.candidate.recall, none.comparison.baseline.recall);
}

TEST(model_backtest, the_curve_and_operating_point_agree_with_the_counts) {
  // A budget the rules alone keep on this small, fraud-heavy dataset (the
  // ring and shop rules decline a few of its 1,500 cards' households): the
  // figures are the test's, the bar is BENCHMARKS.md's.
  auto o = options(shared().test_data);
  o.budget = 0.005;
  auto r = run(o);
  const auto& c = r.curve;
  ASSERT_FALSE(c.points.empty());
  EXPECT_EQ(c.fraud + c.legitimate, r.comparison.transactions);
  // The rules alone, as the curve counts them, are the baseline.
  EXPECT_DOUBLE_EQ(c.rules_alone.recall, r.comparison.baseline.recall);
  EXPECT_DOUBLE_EQ(c.rules_alone.false_decline_rate,
                   r.comparison.baseline.false_decline_rate);
  // Thresholds fall, declines only grow, and the last declines all.
  for (std::size_t i = 1; i < c.points.size(); ++i) {
    EXPECT_LT(c.points[i].threshold, c.points[i - 1].threshold);
    EXPECT_GE(c.points[i].fraud_declined, c.points[i - 1].fraud_declined);
    EXPECT_GE(c.points[i].legit_declined, c.points[i - 1].legit_declined);
  }
  EXPECT_EQ(c.points.back().recall, 1.0);
  EXPECT_EQ(c.points.back().false_decline_rate, 1.0);
  EXPECT_GT(c.average_precision, 0.0);
  EXPECT_LE(c.average_precision, 1.0);
  // The operating point: within the budget, and the next point is not.
  ASSERT_TRUE(c.model_alone.found);
  EXPECT_LE(c.model_alone.at.false_decline_rate, o.budget);
  for (auto& p : c.points) {
    if (p.false_decline_rate <= o.budget) {
      EXPECT_LE(p.fraud_declined, c.model_alone.at.fraud_declined);
    }
  }
  ASSERT_TRUE(c.with_rules.found);
  EXPECT_LE(c.with_rules.at.false_decline_rate, o.budget);
  EXPECT_GE(c.with_rules.at.recall, c.rules_alone.recall);
}

// A small well-formedness check: every tag closed in order, attributes
// quoted, no stray '<' or '&' in text.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  std::size_t i = s.find("<svg");
  if (s.rfind("<?xml", 0) != 0 || i == std::string::npos)
    return "no XML declaration or no svg element";
  while (i < s.size()) {
    if (s[i] == '&') {
      auto end = s.find(';', i);
      auto entity = s.substr(i, end - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;"
          && entity != "&quot;")
        return "a bare & at " + std::to_string(i);
      i = end + 1;
      continue;
    }
    if (s[i] != '<') {
      ++i;
      continue;
    }
    auto end = s.find('>', i);
    if (end == std::string::npos)
      return "an unclosed tag";
    auto tag = s.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string::npos)
      return "a '<' inside a tag";
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0)
      return "an unbalanced quote in <" + tag + ">";
    auto name = tag.substr(tag[0] == '/', tag.find_first_of(" />", 1) - (tag[0] == '/'));
    if (tag[0] == '/') {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(name);
    }
    i = end + 1;
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

TEST(model_backtest, writes_the_curve_as_well_formed_svg_and_the_model_in_the_json) {
  auto& f = shared();
  auto o = options(f.test_data);
  o.pr_curve_path = f.dir.path("curve.svg");
  o.json_path = f.dir.path("report.json");
  ASSERT_EQ(run_model_backtest(o), 0);
  std::ifstream in{o.pr_curve_path};
  std::stringstream svg;
  svg << in.rdbuf();
  auto text = svg.str();
  EXPECT_EQ(xml_problem(text), "");
  EXPECT_NE(text.find("xmlns=\"http://www.w3.org/2000/svg\""),
            std::string::npos);
  EXPECT_NE(text.find("<polyline"), std::string::npos);
  EXPECT_NE(text.find("rules alone"), std::string::npos);
  std::ifstream j{o.json_path};
  auto json = nlohmann::json::parse(j);
  EXPECT_EQ(json["model"]["trained_on"]["seed"], 1);
  EXPECT_EQ(json["model"]["held_out"], true);
  EXPECT_TRUE(json["model"]["operating_point_model_alone"].is_object());
  EXPECT_GT(json["model"]["pr_curve"]["points"].size(), 2u);
}

TEST(model_backtest, refuses_to_test_a_model_on_its_training_data) {
  auto& f = shared();
  // The file itself, and a copy under another name (the same bytes).
  auto copy = f.dir.path("renamed.bin");
  fs::copy_file(f.train_data, copy, fs::copy_options::overwrite_existing);
  for (const auto& data : {f.train_data, copy}) {
    model_backtest_result r;
    std::string error;
    bool refused = false;
    EXPECT_FALSE(model_backtest(options(data), r, error, refused));
    EXPECT_TRUE(refused);
    EXPECT_NE(error.find("was trained on"), std::string::npos) << error;
    EXPECT_NE(error.find("--allow-training-data"), std::string::npos);
    EXPECT_EQ(run_model_backtest(options(data)), 2);
  }
  // Asked for, it runs, and says what it is.
  auto o = options(f.train_data);
  o.allow_training_data = true;
  auto r = run(o);
  EXPECT_EQ(r.overlap, data_overlap::same_data);
}

TEST(model_backtest, a_model_that_does_not_say_what_it_learnt_from_is_tested_and_flagged) {
  auto& f = shared();
  auto o = options(f.test_data);
  o.model_path = train(f.dir, f.train_data, false);
  auto r = run(o);
  EXPECT_FALSE(r.trained_on);
  EXPECT_EQ(to_json(o, r)["model"]["held_out"], false);
}

TEST(model_backtest, an_error_in_the_model_rules_names_their_file_and_line) {
  auto& f = shared();
  auto o = options(f.test_data);
  o.model_rules_path =
    write(f.dir, "bad.rules", "# a comment\nscore broken: +80\n  when model_score >=\n");
  model_backtest_result r;
  std::string error;
  bool refused = false;
  EXPECT_FALSE(model_backtest(o, r, error, refused));
  EXPECT_NE(error.find("bad.rules:4:"), std::string::npos) << error;
  EXPECT_EQ(run_model_backtest(o), 2);
}

} // namespace
