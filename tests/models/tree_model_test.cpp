// The hot-path tree evaluator against XGBoost's semantics (the plain
// node-by-node walk in xgboost_json.hpp), and the XGBoost JSON reader's
// refusals. Agreement with XGBoost itself: tests/simulator/xgboost_agreement_test.
#include "models/tree_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "models/xgboost_model.hpp"
#include "tests/models/xgboost_json.hpp"

namespace fraud::models {
namespace {

constexpr float nan = std::numeric_limits<float>::quiet_NaN();

// One split on feature 0 at `threshold`: left leaf -1, right leaf +1.
tree_spec stump(float threshold, bool default_left, std::uint32_t feature = 0) {
  return tree_spec{{1, -1, -1}, {2, -1, -1}, {feature, 0, 0},
                   {threshold, -1.0f, 1.0f},
                   {static_cast<std::uint8_t>(default_left), 0, 0}};
}

tree_model_spec one_tree(tree_spec t, std::uint32_t features = 1) {
  tree_model_spec s;
  s.feature_count = features;
  s.trees.push_back(std::move(t));
  return s;
}

tree_model built(const tree_model_spec& s,
                 tree_evaluator e = tree_evaluator::fastest) {
  auto m = tree_model::build(s, e);
  EXPECT_TRUE(m) << to_string(m.error());
  return std::move(*m);
}

bool cpu_vectorizes() {
  return tree_model::cpu_vectorizes();
}

// The model laid out for both evaluators: the semantics tests hold for each.
std::vector<tree_model> both(const tree_model_spec& s) {
  std::vector<tree_model> v;
  v.push_back(built(s, tree_evaluator::fastest));
  v.push_back(built(s, tree_evaluator::portable));
  EXPECT_EQ(v[0].vectorized(), cpu_vectorizes());
  EXPECT_FALSE(v[1].vectorized());
  return v;
}

TEST(tree_model, a_value_below_the_threshold_goes_left_and_equal_goes_right) {
  for (auto& m : both(one_tree(stump(2.5f, false)))) {
    float below = std::nextafter(2.5f, 0.0f);
    float at = 2.5f;
    EXPECT_EQ(m.margin(&below), -1.0f);
    EXPECT_EQ(m.margin(&at), 1.0f);
  }
}

TEST(tree_model, compares_in_float32) {
  // 0.1 as a double is above 0.1f; as the float a row holds it is equal,
  // so it goes right, as in XGBoost.
  for (auto& m : both(one_tree(stump(0.1f, false)))) {
    float x = static_cast<float>(0.1);
    EXPECT_EQ(m.margin(&x), 1.0f);
  }
}

TEST(tree_model, minus_zero_equals_zero) {
  for (auto& m : both(one_tree(stump(-0.0f, false)))) {
    float zero = 0.0f;
    float below = -std::numeric_limits<float>::denorm_min();
    EXPECT_EQ(m.margin(&zero), 1.0f);
    EXPECT_EQ(m.margin(&below), -1.0f);
  }
}

TEST(tree_model, a_missing_value_goes_where_the_node_says) {
  float missing = nan;
  for (auto& m : both(one_tree(stump(0.0f, true))))
    EXPECT_EQ(m.margin(&missing), -1.0f);
  for (auto& m : both(one_tree(stump(0.0f, false))))
    EXPECT_EQ(m.margin(&missing), 1.0f);
}

TEST(tree_model, infinities_are_values_not_missing) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  for (auto& m : both(one_tree(stump(0.0f, false)))) {
    EXPECT_EQ(m.margin(&lo), -1.0f);
    EXPECT_EQ(m.margin(&hi), 1.0f);
  }
  for (auto& dl : both(one_tree(stump(0.0f, true))))
    EXPECT_EQ(dl.margin(&hi), 1.0f);
}

TEST(tree_model, base_score_is_the_probability_without_trees) {
  tree_model_spec s;
  s.feature_count = 1;
  s.base_score = 0.25f;
  auto m = built(s);
  float x = 0;
  EXPECT_NEAR(m.predict(&x), 0.25f, 1e-7);
  EXPECT_FLOAT_EQ(m.margin(&x), std::log(0.25f / 0.75f));
}

TEST(tree_model, a_lone_leaf_is_a_tree_of_depth_zero) {
  tree_model_spec s;
  s.feature_count = 1;
  s.trees.push_back(tree_spec{{-1}, {-1}, {0}, {0.75f}, {0}});
  auto m = built(s);
  float x = 3;
  EXPECT_EQ(m.depth(), 0);
  EXPECT_EQ(m.margin(&x), 0.75f);
}

TEST(tree_model, agrees_with_the_plain_walk_on_random_trees_to_the_bit) {
  std::mt19937 rng{42};
  constexpr std::uint32_t features = 7;
  tree_model_spec s;
  s.feature_count = features;
  s.base_score = 0.2f;
  // More trees than a chunk, of every depth up to 7, interleaved.
  for (int t = 0; t < 150; ++t)
    s.trees.push_back(test::random_tree(rng, t % 8, features));
  auto m = built(s);
  EXPECT_EQ(m.tree_count(), 150u);
  EXPECT_EQ(m.depth(), 7);
  std::uniform_real_distribution<float> value{-1.2f, 1.2f};
  std::bernoulli_distribution missing{0.2}, on_grid{0.3};
  for (int r = 0; r < 5000; ++r) {
    float row[features];
    for (auto& x : row) {
      x = value(rng);
      if (on_grid(rng))
        x = std::round(x * 8.0f) / 8.0f;  // exactly a threshold
      if (missing(rng))
        x = nan;
    }
    ASSERT_EQ(m.predict(row), test::reference_predict(s, row)) << "row " << r;
  }
}

// Rows for `features` columns on the trees' grid half the time, missing
// or infinite now and then.
std::vector<float> random_rows(std::mt19937& rng, std::size_t rows,
                               std::uint32_t features, float grid) {
  std::uniform_real_distribution<float> value{-1.2f, 1.2f};
  std::bernoulli_distribution missing{0.15}, on_grid{0.5}, infinite{0.01};
  std::vector<float> x(rows * features);
  for (auto& v : x) {
    v = value(rng);
    if (on_grid(rng))
      v = std::round(v * grid) / grid;
    if (infinite(rng))
      v = v < 0 ? -std::numeric_limits<float>::infinity()
                : std::numeric_limits<float>::infinity();
    if (missing(rng))
      v = nan;
  }
  return x;
}

TEST(tree_model, both_evaluators_agree_with_the_plain_walk_to_the_bit) {
  // fraud-sim train's shape: 300 trees of depth <= 6 over 23 features,
  // here with up to 241 thresholds a feature, so a row's rank spans
  // every block of the vectorised layout.
  std::mt19937 rng{7};
  constexpr std::uint32_t features = 23;
  constexpr float grid = 120;
  tree_model_spec s;
  s.feature_count = features;
  s.base_score = 0.1f;
  for (int t = 0; t < 300; ++t)
    s.trees.push_back(test::random_tree(rng, t % 7, features, grid));
  auto models = both(s);
  auto rows = random_rows(rng, 5000, features, grid);
  for (std::size_t r = 0; r < 5000; ++r) {
    const float* row = &rows[r * features];
    auto want = test::reference_predict(s, row);
    ASSERT_EQ(models[0].predict(row), want) << "row " << r;
    ASSERT_EQ(models[1].predict(row), want) << "row " << r;
  }
}

// `count` stumps on feature `feature` of `features`, thresholds i / 256,
// missing values going left and right in turn.
tree_model_spec stumps(int count, std::uint32_t features,
                       std::uint32_t feature = 0) {
  tree_model_spec s;
  s.feature_count = features;
  for (int i = 0; i < count; ++i)
    s.trees.push_back(stump(static_cast<float>(i) / 256.0f, i % 2, feature));
  return s;
}

// `m` against the plain walk on rows around `s`'s thresholds.
void expect_agreement(const tree_model& m, const tree_model_spec& s,
                      std::mt19937& rng) {
  auto rows = random_rows(rng, 2000, s.feature_count, 256);
  for (std::size_t r = 0; r < 2000; ++r) {
    const float* row = &rows[r * s.feature_count];
    ASSERT_EQ(m.predict(row), test::reference_predict(s, row)) << "row " << r;
  }
}

TEST(tree_model, a_feature_with_256_thresholds_is_still_vectorised) {
  // hist's 256 bins: ranks 0-256, one more than a byte holds (see
  // tree_model_vector.cpp); with a feature beside it, and values above
  // every threshold, on the highest, missing either way.
  std::mt19937 rng{11};
  auto s = stumps(256, 2);
  s.trees.push_back(stump(0.5f, true, 1));
  auto m = built(s);
  EXPECT_EQ(m.vectorized(), cpu_vectorizes());
  expect_agreement(m, s, rng);
  for (float x : {255.0f / 256.0f, 1.0f, std::nextafter(255.0f / 256.0f, 0.0f),
                  0.0f, -1.0f, nan}) {
    float row[2] = {x, nan};
    EXPECT_EQ(m.predict(row), test::reference_predict(s, row)) << x;
  }
}

TEST(tree_model, what_the_vectorised_layout_cannot_hold_is_laid_out_portably) {
  std::mt19937 rng{9};
  // 257 distinct thresholds on one feature.
  auto many = stumps(257, 1);
  // A tree of depth 7.
  tree_model_spec deep;
  deep.feature_count = 3;
  deep.trees.push_back(test::random_tree(rng, 7, 3));
  // 65 features; 33 when one has 256 thresholds.
  auto wide = one_tree(stump(0.5f, false, 64), 65);
  auto full_and_wide = stumps(256, 33, 32);
  for (const auto* s : {&many, &deep, &wide, &full_and_wide}) {
    auto m = built(*s);
    EXPECT_FALSE(m.vectorized());
    expect_agreement(m, *s, rng);
  }
  // Up to the limits, vectorised.
  for (const auto& s : {stumps(256, 32, 31), stumps(255, 64, 63)}) {
    auto m = built(s);
    EXPECT_EQ(m.vectorized(), cpu_vectorizes());
    expect_agreement(m, s, rng);
  }
}

TEST(tree_model, refuses_a_tree_that_is_not_a_tree) {
  auto cycle = one_tree(stump(0, false));
  cycle.trees[0].left[0] = 0;
  auto m = tree_model::build(cycle);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ec::malformed);

  auto shared = one_tree(stump(0, false));
  shared.trees[0].right[0] = 1;
  EXPECT_NE(to_string(tree_model::build(shared).error()).find("reached twice"),
            std::string::npos);

  auto out_of_range = one_tree(stump(0, false));
  out_of_range.trees[0].right[0] = 9;
  EXPECT_NE(to_string(tree_model::build(out_of_range).error())
              .find("tree 0 node 0: a child index out of range"),
            std::string::npos);

  auto bad_feature = one_tree(stump(0, false, 3), 2);
  EXPECT_NE(to_string(tree_model::build(bad_feature).error())
              .find("splits on feature 3 of only 2"),
            std::string::npos);

  auto nan_leaf = one_tree(stump(0, false));
  nan_leaf.trees[0].value[2] = nan;
  EXPECT_FALSE(tree_model::build(nan_leaf));
}

TEST(tree_model, refuses_trees_deeper_than_it_lays_out) {
  tree_model_spec s;
  s.feature_count = 2;
  // A chain: every right child splits again.
  tree_spec t;
  int depth = tree_model::max_supported_depth + 1;
  for (int level = 0; level <= depth; ++level) {
    bool leaf = level == depth;
    auto i = static_cast<std::int32_t>(t.left.size());
    t.left.push_back(leaf ? -1 : i + 1);
    t.right.push_back(leaf ? -1 : i + 2);
    t.feature.push_back(0);
    t.value.push_back(0);
    t.default_left.push_back(0);
    if (!leaf) {  // the left child: a leaf
      t.left.push_back(-1);
      t.right.push_back(-1);
      t.feature.push_back(0);
      t.value.push_back(1);
      t.default_left.push_back(0);
    }
  }
  s.trees.push_back(t);
  auto m = tree_model::build(s);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ec::config_error);
  EXPECT_NE(m.error().what().find("deeper than 10 levels"), std::string::npos)
    << m.error().what();
}

// The JSON reader.

tree_model_spec small_model() {
  std::mt19937 rng{3};
  tree_model_spec s;
  s.feature_count = 3;
  s.base_score = 0.3f;
  s.feature_names = {"a", "b", "c"};
  for (int t = 0; t < 20; ++t)
    s.trees.push_back(test::random_tree(rng, 4, 3));
  return s;
}

TEST(xgboost_model, reads_what_xgboost_writes) {
  auto spec = small_model();
  xgboost_model_info info;
  auto m = parse_xgboost_model(test::to_xgboost_json(spec), &info);
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_EQ(info.version, "1.7.4");
  EXPECT_EQ(info.objective, "binary:logistic");
  EXPECT_EQ(m->tree_count(), 20u);
  EXPECT_EQ(m->feature_count(), 3u);
  EXPECT_EQ(m->feature_names(), spec.feature_names);
  EXPECT_EQ(m->base_score(), 0.3f);
  float row[3] = {0.25f, nan, -0.5f};
  EXPECT_EQ(m->predict(row), test::reference_predict(spec, row));
}

void expect_refused(const std::string& json, ec code,
                    const std::string& words) {
  auto m = parse_xgboost_model(json);
  ASSERT_FALSE(m) << "accepted: " << json.substr(0, 80);
  EXPECT_EQ(m.error().code(), code) << to_string(m.error());
  EXPECT_NE(m.error().what().find(words), std::string::npos)
    << to_string(m.error());
}

TEST(xgboost_model, refuses_text_that_is_not_a_model) {
  auto json = test::to_xgboost_json(small_model());
  expect_refused("", ec::malformed, "expected an object");
  expect_refused("\x89PNG\r\n\x1a\n garbage", ec::malformed, "expected an object");
  expect_refused("{}", ec::malformed, "no \"learner\"");
  expect_refused("[1,2,3]", ec::malformed, "expected an object");
  expect_refused(json.substr(0, json.size() / 2), ec::malformed, "cut short");
  expect_refused(json.substr(0, json.size() - 1), ec::malformed, "cut short");
  expect_refused(json + "{}", ec::malformed, "text after the model");
  expect_refused(std::string(100'000, '['), ec::malformed, "expected an object");
  expect_refused(R"({"learner":)" + std::string(100, '[') , ec::malformed,
                 "expected an object");
  expect_refused(R"({"x":)" + std::string(100, '[') , ec::malformed,
                 "nested too deeply");
}

TEST(xgboost_model, refuses_a_model_of_another_kind) {
  auto spec = small_model();
  test::json_options o;
  o.objective = "reg:squarederror";
  expect_refused(test::to_xgboost_json(spec, o), ec::config_error,
                 "its objective is reg:squarederror");
  o = {};
  o.objective = "binary:logitraw";
  expect_refused(test::to_xgboost_json(spec, o), ec::config_error,
                 "only binary:logistic");
  o = {};
  o.booster = "dart";
  expect_refused(test::to_xgboost_json(spec, o), ec::config_error,
                 "only gbtree");
  o = {};
  o.split_type = 1;
  expect_refused(test::to_xgboost_json(spec, o), ec::config_error,
                 "categorical");
  o = {};
  o.num_class = 3;
  expect_refused(test::to_xgboost_json(spec, o), ec::config_error,
                 "more than one output");
}

TEST(xgboost_model, refuses_a_model_whose_parts_disagree) {
  auto spec = small_model();
  auto json = test::to_xgboost_json(spec);
  auto replaced = [&](const std::string& from, const std::string& to) {
    auto s = json;
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  expect_refused(replaced(R"("num_trees":"20")", R"("num_trees":"21")"),
                 ec::malformed, "num_trees says 21 but the file holds 20");
  expect_refused(replaced(R"("num_feature":"3","num_target")",
                          R"("num_feature":"2","num_target")"),
                 ec::malformed, "names 3 features but has 2");
  expect_refused(replaced(R"("base_score":"0.300000012")",
                          R"("base_score":"1.5")"),
                 ec::malformed, "base_score");
  expect_refused(replaced(R"("left_children":[)", R"("left_children":[7777,)"),
                 ec::malformed, "num_nodes differs");
  expect_refused(replaced(R"("split_conditions":[)", R"("split_conditions":["x",)"),
                 ec::malformed, "expected a number");
}

TEST(xgboost_model, a_missing_file_is_an_error_naming_it) {
  auto m = load_xgboost_model("/nonexistent/model.json");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ec::config_error);
  EXPECT_NE(m.error().what().find("/nonexistent/model.json"), std::string::npos);
}

} // namespace
} // namespace fraud::models
