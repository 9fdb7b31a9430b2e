// model_score: a model's probability handed to the rules with the other
// features, and the model files fraudd refuses.
#include "models/model_score.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "models/model_features.hpp"
#include "models/rules/compiled_ruleset.hpp"
#include "tests/models/xgboost_json.hpp"

namespace fraud::models {
namespace {

// A model whose margin is -4 below `amount` 100 and +4 from it.
tree_model_spec amount_model() {
  tree_model_spec s;
  s.feature_count = static_cast<std::uint32_t>(model_feature_count);
  for (auto& f : model_features)
    s.feature_names.emplace_back(f.name);
  s.trees.push_back(
    tree_spec{{1, -1, -1}, {2, -1, -1}, {0, 0, 0}, {100.0f, -4.0f, 4.0f}, {0, 0, 0}});
  return s;
}

std::shared_ptr<const ruleset> model_rules() {
  auto r = rules::make_compiled_ruleset(
    "score model: +50 when model_score > 0.9 say \"model {model_score:3}\"",
    "rules-7", nullptr);
  EXPECT_TRUE(r) << r.error().what();
  return *r;
}

features paying(double amount) {
  features f;
  f.amount = amount;
  return f;
}

TEST(model_score, the_rules_see_the_models_probability) {
  auto model = std::make_shared<const tree_model>(
    *tree_model::build(amount_model()));
  auto scored = with_model_score(model_rules(), model);
  EXPECT_EQ(scored->version(), "rules-7");
  evaluation e;
  scored->evaluate(paying(250), e);
  ASSERT_EQ(e.reasons.size(), 1u);
  EXPECT_EQ(e.reasons[0].rule, "model");
  EXPECT_NEAR(e.reasons[0].value, 1 / (1 + std::exp(-4.0)), 1e-6);
  scored->evaluate(paying(50), e);
  EXPECT_TRUE(e.reasons.empty());
}

TEST(model_score, a_named_model_names_itself_and_gives_its_score) {
  auto model = std::make_shared<const tree_model>(
    *tree_model::build(amount_model()));
  auto scored = with_model_score(model_rules(), named_model{model, "model-3"});
  EXPECT_EQ(scored->version(), "rules-7");
  EXPECT_EQ(scored->model_version(), "model-3");
  evaluation e;
  scored->evaluate(paying(250), e);
  EXPECT_NEAR(e.model_score, 1 / (1 + std::exp(-4.0)), 1e-6);
  scored->evaluate(paying(50), e);
  EXPECT_NEAR(e.model_score, 1 / (1 + std::exp(4.0)), 1e-6);
  EXPECT_EQ(model_rules()->model_version(), "") << "a plain ruleset";
}

TEST(model_score, is_zero_without_a_model) {
  auto plain = model_rules();
  EXPECT_EQ(with_model_score(plain, nullptr), plain);
  evaluation e;
  plain->evaluate(paying(250), e);
  EXPECT_TRUE(e.reasons.empty());
  EXPECT_EQ(features{}.model_score, 0.0);
}

struct model_file {
  std::string path = ::testing::TempDir() + "model_score_test.json";
  explicit model_file(const std::string& text) {
    std::ofstream{path} << text;
  }
  ~model_file() {
    std::remove(path.c_str());
  }
};

TEST(model_score, loads_a_model_trained_on_the_feature_vector) {
  model_file f{test::to_xgboost_json(amount_model())};
  auto m = load_score_model(f.path);
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_EQ((*m)->tree_count(), 1u);
}

TEST(model_score, refuses_a_model_trained_on_something_else) {
  auto spec = amount_model();
  spec.feature_names[0] = "amount_usd";
  model_file renamed{test::to_xgboost_json(spec)};
  auto m = load_score_model(renamed.path);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), ec::config_error);
  EXPECT_NE(m.error().what().find(renamed.path), std::string::npos);
  EXPECT_NE(m.error().what().find("\"amount_usd\""), std::string::npos)
    << m.error().what();

  model_file garbage{"not json"};
  EXPECT_EQ(load_score_model(garbage.path).error().code(), ec::malformed);
}

TEST(model_score, parses_a_model_sent_as_text) {
  auto m = parse_score_model(test::to_xgboost_json(amount_model()), "sent");
  ASSERT_TRUE(m) << to_string(m.error());
  EXPECT_EQ((*m)->tree_count(), 1u);

  auto spec = amount_model();
  spec.feature_names[0] = "amount_usd";
  auto renamed = parse_score_model(test::to_xgboost_json(spec), "sent");
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code(), ec::config_error);
  EXPECT_NE(renamed.error().what().find("sent"), std::string::npos);

  test::json_options regression;
  regression.objective = "reg:squarederror";
  auto other = parse_score_model(test::to_xgboost_json(amount_model(),
                                                       regression),
                                 "sent");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().what().find("reg:squarederror"), std::string::npos)
    << other.error().what();

  auto json = test::to_xgboost_json(amount_model());
  auto cut = parse_score_model(json.substr(0, json.size() / 2), "sent");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code(), ec::malformed);
  EXPECT_NE(cut.error().what().find("sent"), std::string::npos)
    << cut.error().what();
}

} // namespace
} // namespace fraud::models
