// fraudd --model: the rules see model_score on every transaction, and a
// model file that does not load keeps fraudd from starting, saying why.
#include <fstream>

#include "models/model_features.hpp"
#include "tests/models/xgboost_json.hpp"
#include "tests/service/fraudd_fixture.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;

// Margin -4 below an amount of 1,000 and +4 from it.
std::string amount_model_json() {
  models::tree_model_spec s;
  s.feature_count = static_cast<std::uint32_t>(models::model_feature_count);
  for (auto& f : models::model_features)
    s.feature_names.emplace_back(f.name);
  s.trees.push_back(models::tree_spec{
    {1, -1, -1}, {2, -1, -1}, {0, 0, 0}, {1000.0f, -4.0f, 4.0f}, {0, 0, 0}});
  return models::test::to_xgboost_json(s);
}

class model_score : public test::fraudd_service {
protected:
  std::vector<std::string> args() override {
    auto model = dir.file("model.json");
    std::ofstream{model} << amount_model_json();
    auto rules = dir.file("model.rules");
    std::ofstream{rules}
      << "rule model: decline when model_score > 0.9 say \"model "
         "{model_score:3}\"\n";
    auto a = fraudd_service::args();
    a.insert(a.end(), {"--model", model, "--rules", rules});
    return a;
  }
};

TEST_F(model_score, the_rules_see_the_models_score) {
  auto tx = card_tx("card-1", 0, "tx-big");
  tx.amount_minor = 250'000;  // 2,500.00
  auto d = score(tx);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.decision.action, models::action::decline);
  ASSERT_EQ(d.decision.reasons.size(), 1u);
  EXPECT_EQ(d.decision.reasons[0].rule, "model");
  EXPECT_EQ(d.decision.reasons[0].detail, "model 0.982");

  auto small = score(card_tx("card-2", 0, "tx-small"));
  ASSERT_TRUE(small.ok);
  EXPECT_EQ(small.decision.action, models::action::approve);
  EXPECT_TRUE(small.decision.reasons.empty());
}

TEST(model_score_start, a_model_that_does_not_load_keeps_fraudd_from_starting) {
  test::temp_dir dir;
  auto nats = test::start_nats(dir.path());
  ASSERT_TRUE(nats);
  auto json = amount_model_json();
  std::ofstream{dir.file("cut.json")} << json.substr(0, json.size() / 2);
  test::fraudd_process fraudd;
  EXPECT_FALSE(fraudd.start({"--nats", nats->url(), "--db", dir.file("fraud.db"),
                             "--model", dir.file("cut.json")}));
  EXPECT_NE(fraudd.output().find("cut.json: not a readable XGBoost JSON model"),
            std::string::npos)
    << fraudd.output();
}

} // namespace
