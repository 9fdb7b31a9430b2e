// Fraud only entities show, end to end: fraudd with its default rules
// against a real nats-server, transactions as requests. A ring of stolen
// cards on one laptop behind one address, and a card tester probing one
// web shop with many cards: no card alone gives anything away.
#include "tests/service/fraudd_fixture.hpp"

#include "protocol/query_codec.hpp"
#include "protocol/subjects.hpp"

#include <string>

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;
using fraud::test::minute_ms;
using fraud::test::second_ms;
using fraud::test::t0_ms;

bool has_reason(const models::decision& d, const std::string& rule) {
  for (auto& r : d.reasons)
    if (r.rule == rule)
      return true;
  return false;
}

class entity_fraud : public fraudd_service {
protected:
  // The card's owner bought something in New York yesterday: the card
  // has a history and no device yet.
  void owner_used(const std::string& card) {
    auto tx = card_tx(card, -24 * 60, card + "-owner");
    auto r = score(tx);
    ASSERT_TRUE(r.ok);
    ASSERT_EQ(r.decision.action, models::action::approve);
  }

  // An online payment from New York on `device` behind `ip`.
  static models::transaction online(const std::string& card,
                                    std::int64_t at_ms, double amount,
                                    const std::string& device,
                                    const std::string& ip,
                                    const std::string& merchant) {
    auto tx = card_tx(card, 0, card + "-" + std::to_string(at_ms));
    tx.event_time_ms = at_ms;
    tx.amount_minor = static_cast<std::int64_t>(amount * 100);
    tx.channel = models::channel::ecom;
    tx.device_id = device;
    tx.ip = ip;
    tx.merchant_id = merchant;
    return tx;
  }
};

// Eight cards on one laptop behind one address within ten minutes, each
// paying an ordinary 40 dollars: the first is approved; from the second,
// ring_device declines (the laptop is new to each card and another card
// used it), and from the fourth ring_ip says the same of the address.
TEST_F(entity_fraud, a_ring_on_one_laptop_is_declined_with_its_reason) {
  for (int c = 0; c < 8; ++c)
    owner_used("ring-card-" + std::to_string(c));
  for (int c = 0; c < 8; ++c) {
    SCOPED_TRACE("card " + std::to_string(c));
    auto r = score(online("ring-card-" + std::to_string(c),
                          t0_ms + c * 70 * second_ms, 40.0,
                          "3f0c2a8e-5b7d-4c1e-9a44-0d2b6f8e1c37",
                          "198.51.100.23", "mer_shop"));
    ASSERT_TRUE(r.ok);
    if (c == 0) {
      EXPECT_EQ(r.decision.action, models::action::approve);
      continue;
    }
    EXPECT_EQ(r.decision.action, models::action::decline);
    EXPECT_TRUE(has_reason(r.decision, "ring_device"));
    if (c >= 3) {
      EXPECT_TRUE(has_reason(r.decision, "ring_ip"));
    }
  }
  // A household's second card on the family laptop the next day is not a
  // ring: the laptop's hour has passed.
  owner_used("family-card");
  auto r = score(online("family-card", t0_ms + 26 * 60 * minute_ms, 40.0,
                        "3f0c2a8e-5b7d-4c1e-9a44-0d2b6f8e1c37",
                        "203.0.113.9", "mer_shop"));
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(has_reason(r.decision, "ring_device"));

  // fraud.stats shows the entity actors (fraudctl stats prints them): the
  // laptop, two addresses and the shop; nothing shared, alone.
  auto st = ask<protocol::stats_reply>(protocol::subjects::stats,
                                       protocol::stats_query{});
  EXPECT_EQ(st.entities_activated, 4u);
  EXPECT_EQ(st.entities_active, 4u);
  EXPECT_EQ(st.entity_passivations, 0u);
  EXPECT_EQ(st.entity_misses, 0u);
  EXPECT_EQ(st.entity_observations_sent, 0u);
}

// Ten stolen cards each probed once for 1 dollar at one small web shop,
// seconds apart, each from a fresh device and its own address near the
// card's home: the shop's third small payer on a new device is declined
// by merchant_card_testing, and so is every one after.
TEST_F(entity_fraud, a_card_test_at_one_shop_is_declined_with_its_reason) {
  for (int c = 0; c < 10; ++c)
    owner_used("tested-card-" + std::to_string(c));
  for (int c = 0; c < 10; ++c) {
    SCOPED_TRACE("card " + std::to_string(c));
    auto card = "tested-card-" + std::to_string(c);
    auto r = score(online(card, t0_ms + c * 15 * second_ms, 1.0,
                          "device-of-" + card,
                          "192.0.2." + std::to_string(10 + c),
                          "mer_smallshop01"));
    ASSERT_TRUE(r.ok);
    if (c < 2) {
      EXPECT_EQ(r.decision.action, models::action::approve);
      continue;
    }
    EXPECT_EQ(r.decision.action, models::action::decline);
    EXPECT_TRUE(has_reason(r.decision, "merchant_card_testing"));
  }
  // A real purchase at the shop meanwhile is not a probe.
  owner_used("buyer");
  auto r = score(online("buyer", t0_ms + 151 * second_ms, 35.0,
                        "device-of-buyer", "192.0.2.99", "mer_smallshop01"));
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(has_reason(r.decision, "merchant_card_testing"));
}

} // namespace
