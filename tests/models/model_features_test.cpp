// The model's feature vector: named, in a fixed order, missing where a
// feature means nothing, and a model trained on another vector refused.
#include "models/model_features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "models/tree_model.hpp"
#include "tests/models/card_history.hpp"

namespace fraud::models {
namespace {

std::size_t index_of(const std::string& name) {
  for (std::size_t i = 0; i < model_feature_count; ++i)
    if (name == model_features[i].name)
      return i;
  ADD_FAILURE() << "no model feature " << name;
  return 0;
}

TEST(model_features, names_are_unique_and_not_empty) {
  std::set<std::string> seen;
  for (auto& f : model_features) {
    EXPECT_FALSE(std::string{f.name}.empty());
    EXPECT_TRUE(seen.insert(f.name).second) << f.name;
  }
  EXPECT_EQ(seen.size(), model_feature_count);
}

TEST(model_features, the_order_models_were_trained_on_is_kept) {
  // Saved models depend on these places; new features go after them.
  const char* first[] = {"amount", "channel", "mcc", "card_present",
                         "tx_count", "distance_km"};
  for (std::size_t i = 0; i < std::size(first); ++i)
    EXPECT_STREQ(model_features[i].name, first[i]);
}

TEST(model_features, a_first_transaction_has_no_history_features) {
  test::card_history card;
  auto f = card.state().features_for(test::sample_tx(test::t0_ms, 42.5));
  auto row = to_model_row(f);
  EXPECT_EQ(row[index_of("amount")], 42.5f);
  EXPECT_EQ(row[index_of("tx_count")], 0.0f);
  EXPECT_EQ(row[index_of("count_1h")], 1.0f);
  for (auto name : {"seconds_since_last", "avg_amount", "amount_ratio",
                    "amount_z", "distance_km", "speed_kmh"})
    EXPECT_TRUE(std::isnan(row[index_of(name)])) << name;
}

TEST(model_features, history_fills_them_in) {
  test::card_history card;
  card.approve({test::located(test::sample_tx(test::t0_ms, 20), test::paris),
                test::located(test::sample_tx(test::t0_ms + test::hour_ms, 30),
                              test::paris)});
  auto tx = test::located(
    test::sample_tx(test::t0_ms + 2 * test::hour_ms, 50), test::london);
  auto row = to_model_row(card.state().features_for(tx));
  EXPECT_EQ(row[index_of("tx_count")], 2.0f);
  EXPECT_EQ(row[index_of("seconds_since_last")], 3600.0f);
  EXPECT_EQ(row[index_of("avg_amount")], 25.0f);
  EXPECT_EQ(row[index_of("amount_ratio")], 2.0f);
  EXPECT_FALSE(std::isnan(row[index_of("amount_z")]));
  EXPECT_NEAR(row[index_of("distance_km")], 344, 2);
  EXPECT_EQ(row[index_of("abroad")], 0.0f);  // US merchants, home US
}

TEST(model_features, nothing_infinite_reaches_a_model) {
  features f;
  f.amount = std::numeric_limits<double>::infinity();
  f.sum_24h = std::nan("");
  auto row = to_model_row(f);
  EXPECT_TRUE(std::isnan(row[index_of("amount")]));
  EXPECT_TRUE(std::isnan(row[index_of("sum_24h")]));
}

tree_model model_named(std::vector<std::string> names) {
  tree_model_spec s;
  s.feature_count = static_cast<std::uint32_t>(names.size());
  s.feature_names = std::move(names);
  auto m = tree_model::build(s);
  EXPECT_TRUE(m) << to_string(m.error());
  return std::move(*m);
}

std::vector<std::string> first_names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.emplace_back(model_features[i].name);
  return out;
}

TEST(model_features, a_model_trained_on_them_or_a_prefix_is_accepted) {
  EXPECT_TRUE(check_model_features(model_named(first_names(model_feature_count))).ok());
  // Trained before features were appended.
  EXPECT_TRUE(check_model_features(model_named(first_names(5))).ok());
}

TEST(model_features, a_model_trained_on_other_features_is_refused) {
  auto names = first_names(model_feature_count);
  std::swap(names[1], names[2]);
  auto err = check_model_features(model_named(names));
  EXPECT_EQ(err.code(), ec::config_error);
  EXPECT_NE(err.what().find("feature 1 is \"mcc\", this build's is \"channel\""),
            std::string::npos)
    << err.what();

  names = first_names(model_feature_count);
  names.push_back("from_the_future");
  err = check_model_features(model_named(names));
  EXPECT_NE(err.what().find("this build knows"), std::string::npos) << err.what();

  tree_model_spec unnamed;
  unnamed.feature_count = 4;
  err = check_model_features(*tree_model::build(unnamed));
  EXPECT_NE(err.what().find("names no features"), std::string::npos) << err.what();
}

} // namespace
} // namespace fraud::models
