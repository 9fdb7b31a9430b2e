// The hot-path evaluator (models::tree_model) against XGBoost's own
// predictions (XGBoosterPredict), on models XGBoost trained here, and
// fraud-sim train end to end: the model it writes loads, and a model file
// that does not load is refused with a reason.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "models/model_features.hpp"
#include "models/ruleset.hpp"
#include "models/xgboost_model.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/model_training.hpp"
#include "simulator/training_set.hpp"
#include "simulator/xgboost_booster.hpp"

namespace {

using namespace fraud;
using simulator::xgb_booster;
using simulator::xgb_matrix;

constexpr float nan = std::numeric_limits<float>::quiet_NaN();

// Rows with missing values, integer-valued columns (so rows land exactly
// on split thresholds), and a label that depends on several of them.
struct synthetic {
  std::size_t columns;
  std::vector<float> x;
  std::vector<float> y;
};

synthetic make_rows(std::size_t rows, std::size_t columns, unsigned seed,
                    double missing = 0.15) {
  std::mt19937 rng{seed};
  std::normal_distribution<float> normal;
  std::bernoulli_distribution gap{missing};
  synthetic s{columns, {}, {}};
  for (std::size_t r = 0; r < rows; ++r) {
    float score = 0;
    for (std::size_t c = 0; c < columns; ++c) {
      float v = normal(rng);
      if (c % 3 == 1)
        v = std::round(v * 4);
      score += (c % 2 ? 0.7f : -0.4f) * v * (c < 4 ? 1.0f : 0.2f);
      s.x.push_back(gap(rng) ? nan : v);
    }
    s.y.push_back(score + normal(rng) > 0.8f ? 1.0f : 0.0f);
  }
  return s;
}

xgb_booster trained(const xgb_matrix& m,
                    std::vector<std::pair<std::string, std::string>> params,
                    int rounds) {
  auto b = xgb_booster::create(m);
  EXPECT_TRUE(b) << to_string(b.error());
  for (auto& [k, v] : params)
    EXPECT_TRUE(b->set(k, v).ok()) << k;
  for (int i = 0; i < rounds; ++i)
    EXPECT_TRUE(b->update(i, m).ok());
  return std::move(*b);
}

// Both evaluators on `rows`: the largest difference, and how many agree
// to the bit.
struct agreement {
  double max_difference = 0;
  std::size_t exact = 0;
};

agreement compare(xgb_booster& b, const models::tree_model& m,
                  const synthetic& rows) {
  auto n = rows.y.size();
  auto mat = xgb_matrix::from_rows(rows.x.data(), n, rows.columns);
  EXPECT_TRUE(mat);
  auto theirs = b.predict(*mat);
  EXPECT_TRUE(theirs) << to_string(theirs.error());
  EXPECT_EQ(theirs->size(), n);
  agreement a;
  for (std::size_t i = 0; i < n; ++i) {
    float ours = m.predict(&rows.x[i * rows.columns]);
    a.max_difference =
      std::max(a.max_difference, std::fabs(double{ours} - (*theirs)[i]));
    a.exact += ours == (*theirs)[i];
  }
  return a;
}

models::tree_model
read_back(xgb_booster& b,
          models::tree_evaluator e = models::tree_evaluator::fastest) {
  auto json = b.to_json();
  EXPECT_TRUE(json);
  auto m = models::parse_xgboost_model(*json, nullptr, e);
  EXPECT_TRUE(m) << to_string(m.error());
  return std::move(*m);
}

TEST(xgboost_agreement, three_hundred_trees_of_depth_six_with_missing_values) {
  auto train = make_rows(4000, 12, 1);
  auto mat = xgb_matrix::from_rows(train.x.data(), train.y.size(), 12,
                                   train.y.data());
  ASSERT_TRUE(mat);
  // hist, as fraud-sim train trains: the vectorised evaluator takes it.
  auto b = trained(*mat,
                   {{"objective", "binary:logistic"},
                    {"tree_method", "hist"},
                    {"max_depth", "6"},
                    {"eta", "0.1"},
                    {"seed", "3"},
                    {"nthread", "1"}},
                   300);
  // Both evaluators (the vectorised one where this CPU has AVX-512 VBMI).
  for (auto e : {models::tree_evaluator::fastest,
                 models::tree_evaluator::portable}) {
    auto m = read_back(b, e);
    EXPECT_EQ(m.vectorized(), e == models::tree_evaluator::fastest
                                && models::tree_model::cpu_vectorizes());
    EXPECT_EQ(m.tree_count(), 300u);
    EXPECT_EQ(m.depth(), 6);
    auto test = make_rows(5000, 12, 2);
    auto a = compare(b, m, test);
    EXPECT_LE(a.max_difference, 1e-6);
    EXPECT_EQ(a.exact, 5000u) << "largest difference " << a.max_difference
                              << (m.vectorized() ? " (vectorised)" : "");
    // And on the rows it was trained on, whose values are its thresholds.
    auto on_train = compare(b, m, train);
    EXPECT_LE(on_train.max_difference, 1e-6);
    EXPECT_EQ(on_train.exact, train.y.size());
  }
}

TEST(xgboost_agreement, exact_splits_base_score_and_shallow_trees) {
  // The exact method splits between two values, hist on bin edges; a set
  // base_score moves the margin; depth 3 with pruning leaves uneven trees.
  auto train = make_rows(3000, 6, 5, 0.3);
  auto mat = xgb_matrix::from_rows(train.x.data(), train.y.size(), 6,
                                   train.y.data());
  ASSERT_TRUE(mat);
  auto b = trained(*mat,
                   {{"objective", "binary:logistic"},
                    {"tree_method", "exact"},
                    {"max_depth", "3"},
                    {"gamma", "2"},
                    {"base_score", "0.2"},
                    {"eta", "0.3"},
                    {"nthread", "1"}},
                   120);
  auto m = read_back(b);
  EXPECT_NEAR(m.base_score(), 0.2f, 1e-7);
  auto a = compare(b, m, make_rows(4000, 6, 6, 0.3));
  EXPECT_LE(a.max_difference, 1e-6);
  EXPECT_EQ(a.exact, 4000u);
}

TEST(xgboost_agreement, refuses_what_xgboost_trains_for_other_objectives) {
  auto train = make_rows(500, 4, 7);
  auto mat = xgb_matrix::from_rows(train.x.data(), train.y.size(), 4,
                                   train.y.data());
  ASSERT_TRUE(mat);
  for (const char* objective : {"reg:squarederror", "binary:logitraw"}) {
    auto b = trained(*mat, {{"objective", objective}}, 3);
    auto json = b.to_json();
    ASSERT_TRUE(json);
    auto m = models::parse_xgboost_model(*json);
    ASSERT_FALSE(m) << objective;
    EXPECT_EQ(m.error().code(), ec::config_error);
    EXPECT_NE(m.error().what().find(objective), std::string::npos)
      << m.error().what();
  }
}

// fraud-sim train on a small generated dataset.

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/xgboost-agreement-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::filesystem::remove_all(path);
  }
};

simulator::training_set generated(std::uint64_t seed) {
  simulator::generator_options o;
  o.cards = 600;
  o.days = 8;
  o.seed = seed;
  o.fraud_rate = 0.1;
  std::stringstream bytes;
  simulator::generation_summary summary;
  std::string error;
  EXPECT_TRUE(simulator::generate_dataset(o, bytes, summary, error)) << error;
  simulator::training_set set;
  EXPECT_TRUE(simulator::read_training_set(bytes, *models::make_default_ruleset(),
                                           0, set, error))
    << error;
  return set;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(fraud_sim_train, writes_a_model_fraudd_loads_that_agrees_with_xgboost) {
  auto train = generated(1);
  auto valid = generated(2);
  ASSERT_GT(train.fraud(), 50u);
  EXPECT_EQ(train.columns, models::model_feature_count);
  temp_dir dir;
  auto path = (dir.path / "model.json").string();
  simulator::training_options o;
  o.trees = 100;
  simulator::training_result r;
  std::string error;
  ASSERT_TRUE(simulator::train_model(train, valid, o, path, r, error)) << error;
  EXPECT_EQ(r.trees, 100u);
  EXPECT_LE(r.depth, 6);
  EXPECT_EQ(r.checked_rows, train.size());
  EXPECT_EQ(r.max_difference, 0.0);
  EXPECT_NE(r.metrics.find("valid-aucpr"), std::string::npos) << r.metrics;

  auto m = models::load_xgboost_model(path);
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_TRUE(models::check_model_features(*m).ok());
  // On the held-out seed, against XGBoost reading the same file.
  auto b = xgb_booster::from_json(read_file(path));
  ASSERT_TRUE(b) << to_string(b.error());
  auto a = compare(*b, *m, synthetic{valid.columns, valid.rows, valid.labels});
  EXPECT_LE(a.max_difference, 1e-6);
  EXPECT_EQ(a.exact, valid.size());

  // The same seed, the same model.
  auto again = (dir.path / "again.json").string();
  ASSERT_TRUE(simulator::train_model(train, valid, o, again, r, error)) << error;
  EXPECT_EQ(read_file(path), read_file(again));
}

TEST(fraud_sim_train, a_failed_training_leaves_the_old_model_alone) {
  auto train = generated(3);
  temp_dir dir;
  auto path = dir.path / "model.json";
  std::ofstream{path} << "the model in service";
  simulator::training_set legit_only = train;
  for (auto& y : legit_only.labels)
    y = 0;
  legit_only.by_label = {};
  legit_only.by_label[0] = legit_only.size();
  simulator::training_result r;
  std::string error;
  EXPECT_FALSE(simulator::train_model(legit_only, {}, {}, path.string(), r,
                                      error));
  EXPECT_NE(error.find("both fraudulent and legitimate"), std::string::npos)
    << error;
  simulator::training_options deep;
  deep.max_depth = 11;
  EXPECT_FALSE(simulator::train_model(train, {}, deep, path.string(), r, error));
  EXPECT_NE(error.find("max_depth"), std::string::npos) << error;
  EXPECT_EQ(read_file(path), "the model in service");
}

TEST(fraud_sim_train, a_model_file_that_does_not_load_says_why) {
  auto train = generated(4);
  temp_dir dir;
  auto good = (dir.path / "good.json").string();
  simulator::training_options o;
  o.trees = 20;
  simulator::training_result r;
  std::string error;
  ASSERT_TRUE(simulator::train_model(train, {}, o, good, r, error)) << error;
  auto text = read_file(good);

  auto write = [&](const std::string& name, const std::string& bytes) {
    auto p = (dir.path / name).string();
    std::ofstream{p, std::ios::binary} << bytes;
    return p;
  };
  auto truncated = models::load_xgboost_model(
    write("truncated.json", text.substr(0, text.size() * 2 / 3)));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code(), ec::malformed);
  EXPECT_NE(truncated.error().what().find("cut short"), std::string::npos)
    << truncated.error().what();
  EXPECT_NE(truncated.error().what().find("truncated.json"), std::string::npos);

  std::string noise(4096, '\0');
  std::mt19937 rng{9};
  for (auto& c : noise)
    c = static_cast<char>(rng());
  auto garbage = models::load_xgboost_model(write("garbage.json", noise));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code(), ec::malformed);

  // A model on more features than this build has: refused by the feature
  // check, which fraudd runs after loading.
  auto wide = make_rows(400, models::model_feature_count + 3, 11);
  auto mat = xgb_matrix::from_rows(wide.x.data(), wide.y.size(), wide.columns,
                                   wide.y.data());
  ASSERT_TRUE(mat);
  auto b = trained(*mat, {{"objective", "binary:logistic"}}, 5);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < wide.columns; ++i)
    names.push_back(i < models::model_feature_count
                      ? models::model_features[i].name
                      : "extra_" + std::to_string(i));
  ASSERT_TRUE(b.set_feature_names(names).ok());
  auto wide_model = models::parse_xgboost_model(*b.to_json());
  ASSERT_TRUE(wide_model) << to_string(wide_model.error());
  auto err = models::check_model_features(*wide_model);
  EXPECT_EQ(err.code(), ec::config_error);
  EXPECT_NE(err.what().find("has " + std::to_string(wide.columns) + " features"),
            std::string::npos)
    << err.what();
}

} // namespace
