#include "models/scoring.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "models/model_features.hpp"
#include "models/model_score.hpp"
#include "tests/models/card_history.hpp"

namespace fraud::models {
namespace {

using test::card_history;
using test::minute_ms;
using test::sample_tx;
using test::t0_ms;

TEST(scoring, the_decision_carries_the_transaction_key_fields) {
  card_history card;
  auto tx = test::in_country(test::online(sample_tx(t0_ms, 42.5), "phone"),
                             "FR");
  tx.currency = "EUR";
  tx.mcc = 5732;
  tx.merchant_id = "shop-9";
  auto d = card.score(tx);
  EXPECT_EQ(d.tx_id, tx.tx_id);
  EXPECT_EQ(d.card_id, tx.card_id);
  EXPECT_EQ(d.event_time_ms, tx.event_time_ms);
  EXPECT_EQ(d.amount_minor, 4250);
  EXPECT_EQ(d.currency, "EUR");
  EXPECT_EQ(d.merchant_id, "shop-9");
  EXPECT_EQ(d.mcc, 5732u);
  EXPECT_EQ(d.country, "FR");
  EXPECT_EQ(d.channel, channel::ecom);
  EXPECT_EQ(d.ruleset_version, card.rules().version());
  EXPECT_EQ(d.action, action::approve);
  EXPECT_EQ(d.score, 0);
}

TEST(scoring, the_decision_names_the_model_and_its_score) {
  // One leaf of margin 2 (tests/models/constant_model.hpp has this, in a
  // namespace `test` that would hide fraud::test's here).
  tree_model_spec spec;
  spec.feature_count = static_cast<std::uint32_t>(model_feature_count);
  for (auto& f : model_features)
    spec.feature_names.emplace_back(f.name);
  spec.trees.push_back(tree_spec{{-1}, {-1}, {0}, {2.0f}, {0}});
  auto model = std::make_shared<const tree_model>(*tree_model::build(spec));
  auto plain = make_default_ruleset();
  auto scored = with_model_score(plain, named_model{model, "model-2"});
  card_state state;
  evaluation scratch;
  auto d = score_and_apply(state, sample_tx(t0_ms, 30), *scored, scratch);
  EXPECT_EQ(d.model_version, "model-2");
  EXPECT_NEAR(d.model_score, 1 / (1 + std::exp(-2.0)), 1e-6);
  // The next decision, with the same scratch and no model: none named, no
  // score left over.
  d = score_and_apply(state, sample_tx(t0_ms + minute_ms, 30), *plain, scratch);
  EXPECT_EQ(d.model_version, "");
  EXPECT_EQ(d.model_score, 0);
}

TEST(scoring, an_approved_transaction_is_learnt) {
  card_history card;
  card.score(test::located(test::online(sample_tx(t0_ms, 30), "phone"),
                           test::paris));
  EXPECT_EQ(card.state().tx_count(), 1u);
  EXPECT_DOUBLE_EQ(card.state().avg_amount(), 30);
  EXPECT_TRUE(card.state().knows_device("phone"));
  EXPECT_TRUE(card.state().has_location());
}

TEST(scoring, a_declined_transaction_counts_but_is_not_learnt) {
  card_history card;
  card.approve({test::located(sample_tx(t0_ms, 30), test::paris)});
  // New York a minute after Paris: declined
  auto tx = test::located(test::online(sample_tx(t0_ms + minute_ms, 500),
                                       "laptop"),
                          test::new_york);
  auto d = card.score(tx);
  ASSERT_EQ(d.action, action::decline) << test::reasons_of(d);
  EXPECT_EQ(card.state().tx_count(), 1u);
  EXPECT_DOUBLE_EQ(card.state().avg_amount(), 30);
  EXPECT_DOUBLE_EQ(card.state().last_lat(), test::paris.lat);
  EXPECT_FALSE(card.state().knows_device("laptop"));
  EXPECT_EQ(card.features_for(sample_tx(t0_ms + 2 * minute_ms)).count_1h, 3u);
  // back home, the cardholder is not taken for a traveller
  auto home = card.score(
    test::located(sample_tx(t0_ms + 2 * minute_ms, 30), test::paris));
  EXPECT_EQ(home.action, action::approve) << test::reasons_of(home);
}

TEST(scoring, reasons_do_not_leak_into_the_next_decision) {
  card_history card;
  card.approve({test::located(sample_tx(t0_ms), test::paris)});
  auto flagged = card.score(test::located(sample_tx(t0_ms + minute_ms),
                                          test::new_york));
  ASSERT_FALSE(flagged.reasons.empty());
  auto next = card.score(test::located(sample_tx(t0_ms + 2 * minute_ms),
                                       test::paris));
  EXPECT_TRUE(next.reasons.empty()) << test::reasons_of(next);
  EXPECT_EQ(next.score, 0);
  EXPECT_FALSE(flagged.reasons.empty());  // the earlier decision kept its own
}

TEST(scoring, the_same_history_gives_the_same_decisions) {
  std::vector<transaction> history;
  for (int i = 0; i < 12; ++i)
    history.push_back(test::located(
      test::online(sample_tx(t0_ms + i * 3 * minute_ms, 4.0 + i * 30),
                   i % 3 == 0 ? "phone" : "laptop"),
      i % 2 == 0 ? test::paris : test::london));
  card_history a;
  card_history b;
  for (auto& tx : history) {
    auto da = a.score(tx);
    auto db = b.score(tx);
    EXPECT_EQ(da.action, db.action) << tx.tx_id;
    EXPECT_EQ(da.score, db.score) << tx.tx_id;
    EXPECT_EQ(test::reasons_of(da), test::reasons_of(db)) << tx.tx_id;
  }
}

TEST(scoring, cards_scored_with_one_ruleset_keep_their_own_state) {
  auto rules = make_default_ruleset();
  card_history a{rules};
  card_history b{rules};
  a.approve({test::located(sample_tx(t0_ms), test::paris)});
  b.approve({test::located(sample_tx(t0_ms), test::new_york)});
  // each card's next payment is at home: neither sees the other's place
  auto da = a.score(test::located(sample_tx(t0_ms + minute_ms), test::paris));
  auto db = b.score(test::located(sample_tx(t0_ms + minute_ms),
                                  test::new_york));
  EXPECT_EQ(da.action, action::approve) << test::reasons_of(da);
  EXPECT_EQ(db.action, action::approve) << test::reasons_of(db);
}

} // namespace
} // namespace fraud::models
