// The default rules on entity features (ring_device, ring_ip,
// merchant_card_testing): each firing and not firing, from features set
// on an ordinary transaction, and a ring scored end to end through an
// entity_book, as the service and a backtest score it.
#include <string>

#include <gtest/gtest.h>

#include "models/entity_features.hpp"
#include "models/ruleset.hpp"
#include "models/scoring.hpp"
#include "tests/models/card_history.hpp"

namespace fraud::models {
namespace {

using test::minute_ms;
using test::online;
using test::sample_tx;
using test::t0_ms;

// The default ruleset's numbers (models/default_ruleset.cpp).
constexpr std::uint32_t ring_device_cards = 3;  // 2 on a device new to the card
constexpr std::uint32_t ring_ip_cards = 4;      // 3 on a device new to the card
constexpr std::uint32_t tested_cards = 4;       // 3 on a device new to the card
constexpr int entity_score = 80;

/// An ordinary online payment of 20 dollars on a device the card knows.
features known_device_payment() {
  features f;
  f.amount = f.amount_home = 20;
  f.card_present = false;
  f.channel = channel::ecom;
  f.tx_count = 30;
  f.known_devices = 1;
  f.device_cards_10m = f.device_cards_1h = f.device_cards_24h = 1;
  f.ip_cards_10m = f.ip_cards_1h = f.ip_cards_24h = 1;
  f.merchant_cards_10m = 1;
  return f;
}

features new_device_payment() {
  auto f = known_device_payment();
  f.new_device = true;
  return f;
}

/// A probe of 1.00 at a shop where `cards` cards made small payments.
features probe(std::uint32_t cards, bool new_device) {
  auto f = new_device ? new_device_payment() : known_device_payment();
  f.amount = f.amount_home = 1;
  f.merchant_small_cnp_cards_10m = f.merchant_small_cnp_count_10m = cards;
  f.merchant_cards_10m = cards;
  return f;
}

const reason* fired(const features& f, const char* rule, evaluation& e) {
  make_default_ruleset()->evaluate(f, e);
  for (auto& r : e.reasons)
    if (r.rule == rule)
      return &r;
  return nullptr;
}

void expect_declined_by(const features& f, const char* rule, double value) {
  evaluation e;
  auto* r = fired(f, rule, e);
  ASSERT_NE(r, nullptr) << rule << " did not fire";
  EXPECT_EQ(r->score, entity_score);
  EXPECT_DOUBLE_EQ(r->value, value);
  EXPECT_EQ(e.action, action::decline);
}

void expect_quiet(const features& f, const char* rule) {
  evaluation e;
  EXPECT_EQ(fired(f, rule, e), nullptr) << rule << " fired";
  EXPECT_EQ(e.action, action::approve);
}

TEST(entity_rules, ring_device_fires_when_enough_cards_share_a_device) {
  auto f = known_device_payment();
  f.device_cards_1h = ring_device_cards;
  expect_declined_by(f, "ring_device", ring_device_cards);
}

TEST(entity_rules, ring_device_fires_sooner_on_a_device_new_to_the_card) {
  auto f = new_device_payment();
  f.device_cards_1h = ring_device_cards - 1;
  expect_declined_by(f, "ring_device", ring_device_cards - 1);
}

TEST(entity_rules, ring_device_fires_at_two_cards_once_the_device_saw_a_decline) {
  auto f = known_device_payment();  // the ring's first card, back again
  f.device_cards_1h = ring_device_cards - 1;
  f.device_declined_share_1h = 0.5;
  expect_declined_by(f, "ring_device", ring_device_cards - 1);
}

TEST(entity_rules, ring_ip_fires_at_two_cards_once_the_address_saw_a_decline) {
  auto f = known_device_payment();
  f.ip_cards_10m = 2;
  f.ip_declined_share_1h = 0.5;
  expect_declined_by(f, "ring_ip", 2);
  f.ip_cards_10m = 1;  // its own card's decline alone is not a ring
  expect_quiet(f, "ring_ip");
}

TEST(entity_rules, ring_device_quiet_for_a_household_laptop) {
  auto f = known_device_payment();
  f.device_cards_1h = ring_device_cards - 1;  // two cards, both know it
  f.device_cards_24h = 5;                     // over a day: not the hour
  expect_quiet(f, "ring_device");
  auto g = new_device_payment();  // a new phone nobody else uses
  expect_quiet(g, "ring_device");
}

TEST(entity_rules, ring_ip_fires_when_enough_cards_share_an_address) {
  auto f = known_device_payment();
  f.ip_cards_10m = ring_ip_cards;
  expect_declined_by(f, "ring_ip", ring_ip_cards);
  auto g = new_device_payment();
  g.ip_cards_10m = ring_ip_cards - 1;
  expect_declined_by(g, "ring_ip", ring_ip_cards - 1);
}

TEST(entity_rules, ring_ip_quiet_for_an_office_network) {
  auto f = known_device_payment();
  f.ip_cards_10m = ring_ip_cards - 1;
  f.ip_cards_1h = f.ip_cards_24h = 20;  // a busy office, spread over the day
  expect_quiet(f, "ring_ip");
  auto g = new_device_payment();
  g.ip_cards_10m = ring_ip_cards - 2;
  expect_quiet(g, "ring_ip");
}

TEST(entity_rules, merchant_card_testing_fires_on_many_cards_probing_a_shop) {
  expect_declined_by(probe(tested_cards, false), "merchant_card_testing",
                     tested_cards);
  expect_declined_by(probe(tested_cards - 1, true), "merchant_card_testing",
                     tested_cards - 1);
}

TEST(entity_rules, merchant_card_testing_quiet_below_its_count) {
  expect_quiet(probe(tested_cards - 1, false), "merchant_card_testing");
  expect_quiet(probe(tested_cards - 2, true), "merchant_card_testing");
}

TEST(entity_rules, merchant_card_testing_quiet_for_a_real_purchase) {
  auto f = probe(20, true);  // the shop is being tested, this one buys
  f.amount = f.amount_home = small_amount + 0.01;
  expect_quiet(f, "merchant_card_testing");
}

TEST(entity_rules, merchant_card_testing_skipped_on_an_unknown_currency) {
  auto f = probe(20, true);
  f.currency_known = false;
  evaluation e;
  EXPECT_EQ(fired(f, "merchant_card_testing", e), nullptr);
  EXPECT_NE(fired(f, "unknown_currency", e), nullptr);
}

// Eight stolen cards on one laptop behind one address, a minute apart:
// the first looks like anyone's first online purchase; from the second,
// the laptop is new to each card and already used by another.
TEST(entity_rules, a_ring_is_declined_from_its_second_card) {
  auto rules = make_default_ruleset();
  entity_book entities;
  evaluation scratch;
  auto& fx = default_rates();
  for (int c = 0; c < 8; ++c) {
    card_state card;  // its owner bought groceries yesterday
    auto owner = sample_tx(t0_ms - test::day_ms, 40);
    owner.card_id = "card-" + std::to_string(c);
    ASSERT_EQ(score_and_apply(card, owner, *rules, fx, scratch).action,
              action::approve);
    auto tx = online(sample_tx(t0_ms + c * minute_ms, 40), "ring-laptop");
    tx.card_id = owner.card_id;
    tx.ip = "198.51.100.7";
    auto views = entities.observe(tx, fx);
    auto d = score_and_apply(card, tx, *rules, fx, scratch, &views);
    if (d.action == action::decline)
      entities.declined(tx);
    SCOPED_TRACE("card " + std::to_string(c));
    if (c == 0) {
      EXPECT_EQ(d.action, action::approve) << test::reasons_of(d);
      continue;
    }
    EXPECT_EQ(d.action, action::decline) << test::reasons_of(d);
    ASSERT_NE(test::find_reason(d, "ring_device"), nullptr);
    if (c + 1 >= static_cast<int>(ring_ip_cards)) {
      EXPECT_NE(test::find_reason(d, "ring_ip"), nullptr);
    }
  }
}

} // namespace
} // namespace fraud::models
