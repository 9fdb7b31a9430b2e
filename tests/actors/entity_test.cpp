// Entity actors and their directory under CAF's deterministic test
// coordinator: every message is delivered when the test says so.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/entity.hpp"
#include "actors/runtime/card_directory.hpp"
#include "actors/runtime/entity_directory.hpp"
#include "actors/runtime/ruleset_slot.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/recording_sink.hpp"
#include "tests/support/test_coordinator.hpp"

namespace {

using namespace fraud;
using models::entity_kind;

constexpr std::int64_t t0 = 1'700'000'000'000;
constexpr std::int64_t minute_ms = 60'000;

class entity_actors : public ::testing::Test {
protected:
  entity_actors()
    : sys(cfg), sched(test::coordinator_of(sys)),
      directory(sys, actors::entity_limits{}, &stats) {
  }

  ~entity_actors() override {
    // The system waits for its actors: the ones left are stopped here, and
    // under the test coordinator only run() delivers that.
    directory.stop_all();
    sched.run();
  }

  actors::entity_probe probe(const std::string& card, std::int64_t t,
                             std::optional<std::string> device,
                             std::optional<std::string> ip,
                             std::optional<std::string> merchant,
                             bool small_cnp = false) {
    actors::entity_probe p;
    if (device)
      p.route[0] = directory.find(entity_kind::device, *device, 0);
    if (ip)
      p.route[1] = directory.find(entity_kind::ip, *ip, 0);
    if (merchant)
      p.route[2] = directory.find(entity_kind::merchant, *merchant, 0);
    p.use = {models::card_hash(card), t, small_cnp};
    return p;
  }

  // Sends the probe along its route as a card would, and returns the
  // answer (or nothing, if the route failed).
  std::optional<actors::entity_probe> ask(actors::entity_probe p) {
    std::optional<actors::entity_probe> answer;
    auto first = actors::first_stop(p);
    if (!first)
      return p;
    bool failed = false;
    sys.spawn([&, first = *first, p](caf::event_based_actor* self) mutable {
      self->request(first, caf::infinite, actors::observe_atom::value,
                    std::move(p))
        .then([&](actors::entity_probe& r) { answer = std::move(r); },
              [&](caf::error&) { failed = true; });
    });
    sched.run();
    EXPECT_TRUE(answer || failed);
    return answer;
  }

  void declined(const actors::entity_actor& e, std::int64_t t) {
    caf::anon_send(e, actors::declined_atom::value, t);
    sched.run();
  }

  static const models::entity_view& view(const actors::entity_probe& p,
                                         entity_kind k) {
    return p.views[static_cast<std::size_t>(k)];
  }

  test::test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  actors::counters stats;
  actors::entity_directory directory;
};

TEST_F(entity_actors, a_probe_collects_every_entity_on_its_route) {
  auto r = ask(probe("c1", t0, "dev", "10.0.0.1", "shop"));
  ASSERT_TRUE(r);
  for (auto k : {entity_kind::device, entity_kind::ip, entity_kind::merchant}) {
    EXPECT_TRUE(view(*r, k).present) << models::to_string(k);
    EXPECT_EQ(view(*r, k).cards_10m, 1u);
  }
  EXPECT_EQ(stats.entities_activated.get(), 3u);
}

TEST_F(entity_actors, missing_entities_are_skipped_and_left_unseen) {
  auto r = ask(probe("c1", t0, std::nullopt, "10.0.0.1", std::nullopt));
  ASSERT_TRUE(r);
  EXPECT_FALSE(view(*r, entity_kind::device).present);
  EXPECT_TRUE(view(*r, entity_kind::ip).present);
  EXPECT_FALSE(view(*r, entity_kind::merchant).present);
  auto none = ask(probe("c1", t0, std::nullopt, std::nullopt, std::nullopt));
  ASSERT_TRUE(none);
  EXPECT_FALSE(view(*none, entity_kind::ip).present);
}

TEST_F(entity_actors, a_shared_device_counts_the_cards_of_a_ring) {
  actors::entity_probe last;
  for (int i = 0; i < 8; ++i) {
    auto r = ask(probe("card" + std::to_string(i), t0 + i * minute_ms,
                       "laptop", "203.0.113.9", "shop" + std::to_string(i)));
    ASSERT_TRUE(r);
    last = *r;
  }
  EXPECT_EQ(view(last, entity_kind::device).cards_10m, 8u);
  EXPECT_EQ(view(last, entity_kind::ip).cards_1h, 8u);
  EXPECT_EQ(view(last, entity_kind::merchant).cards_10m, 1u);
}

TEST_F(entity_actors, entities_are_isolated_by_id_and_by_kind) {
  ask(probe("c1", t0, "x", std::nullopt, std::nullopt));
  ask(probe("c2", t0 + 1, "x", std::nullopt, std::nullopt));
  auto other = ask(probe("c3", t0 + 2, "y", std::nullopt, "x"));
  ASSERT_TRUE(other);
  EXPECT_EQ(view(*other, entity_kind::device).cards_10m, 1u);    // device y
  EXPECT_EQ(view(*other, entity_kind::merchant).cards_10m, 1u);  // merchant x
  EXPECT_EQ(directory.size(), 3u);
}

TEST_F(entity_actors, decisions_told_to_an_entity_make_its_declined_share) {
  auto shop = directory.find(entity_kind::merchant, "shop", 0);
  for (int i = 0; i < 4; ++i) {
    auto r = ask(probe("c" + std::to_string(i), t0 + i * 1000, std::nullopt,
                       std::nullopt, "shop", true));
    ASSERT_TRUE(r);
    if (i % 2 == 0)
      declined(shop, t0 + i * 1000);
  }
  auto r = ask(probe("c9", t0 + 5000, std::nullopt, std::nullopt, "shop",
                     true));
  ASSERT_TRUE(r);
  auto& v = view(*r, entity_kind::merchant);
  EXPECT_EQ(v.uses_1h, 5u);
  EXPECT_DOUBLE_EQ(v.declined_share_1h, 0.4);
  EXPECT_EQ(v.small_cnp_cards_1m, 5u);
}

TEST_F(entity_actors, an_idle_entity_is_passivated_and_starts_again_empty) {
  actors::entity_directory dir(sys, {0, 1000}, &stats);
  auto first = dir.find(entity_kind::device, "d", 0);
  actors::entity_probe p;
  p.route[0] = first;
  p.use = {models::card_hash("c1"), t0, false};
  ASSERT_TRUE(ask(p));
  EXPECT_EQ(dir.sweep_idle(500), 0u);
  EXPECT_EQ(dir.sweep_idle(1000), 1u);
  sched.run();
  EXPECT_EQ(dir.size(), 0u);
  EXPECT_EQ(stats.entity_passivations.get(), 1u);
  // A probe still holding the stopped actor gets no view...
  EXPECT_FALSE(ask(p));
  // ...and the device, used again, has a new actor that remembers nothing.
  p.route[0] = dir.find(entity_kind::device, "d", 2000);
  p.use = {models::card_hash("c2"), t0 + 1000, false};
  auto r = ask(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(view(*r, entity_kind::device).cards_10m, 1u);
}

TEST_F(entity_actors, the_cap_passivates_the_least_recently_used) {
  // One shard's worth: a cap of `shards` leaves one entity a shard.
  actors::entity_directory dir(sys, {actors::entity_directory::shards, 0},
                               &stats);
  for (int i = 0; i < 1000; ++i)
    dir.find(entity_kind::ip, "ip" + std::to_string(i), i);
  sched.run();
  EXPECT_LE(dir.size(), actors::entity_directory::shards);
  EXPECT_EQ(stats.entity_passivations.get() + dir.size(), 1000u);
  // The last one used is still there: finding it activates nothing.
  auto before = stats.entities_activated.get();
  dir.find(entity_kind::ip, "ip999", 1000);
  EXPECT_EQ(stats.entities_activated.get(), before);
}

// A ruleset that shows what the rules were given: the score is the
// device's card count, and it declines when the merchant saw 3 or more
// small online payments' cards.
class entity_echo_rules : public models::ruleset {
public:
  const std::string& version() const override { return version_; }
  void evaluate(const models::features& f,
                models::evaluation& out) const override {
    out = models::evaluation{};
    out.score = static_cast<int>(f.device_cards_10m * 10 + f.ip_cards_10m);
    if (f.merchant_small_cnp_cards_10m >= 3)
      out.action = models::action::decline;
  }

private:
  std::string version_ = "echo";
};

class cards_with_entities : public ::testing::Test {
protected:
  cards_with_entities()
    : sys(cfg), sched(test::coordinator_of(sys)),
      rules(std::make_shared<const entity_echo_rules>()),
      entities(sys, actors::entity_limits{}, &stats),
      env(make_env()), directory(sys, env) {
  }

  ~cards_with_entities() override {
    for (auto& c : directory.release_all())
      caf::anon_send(c, actors::passivate_atom::value);
    entities.stop_all();
    sched.run();
  }

  actors::card_environment make_env() {
    actors::card_environment e;
    e.sink = &sink;
    e.rules = &rules;
    e.stats = &stats;
    e.entities = &entities;
    return e;
  }

  void send(models::transaction tx) {
    actors::score_request r;
    r.tx = std::move(tx);
    directory.route(std::move(r));
  }

  static models::transaction web(const std::string& card, std::int64_t t,
                                 const std::string& device,
                                 const std::string& merchant,
                                 double amount = 20.0) {
    auto tx = test::online(test::sample_tx(t, amount), device);
    tx.card_id = card;
    tx.ip = "198.51.100.7";
    tx.merchant_id = merchant;
    return tx;
  }

  test::test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  actors::counters stats;
  test::recording_sink sink;
  actors::ruleset_slot rules;
  actors::entity_directory entities;
  actors::card_environment env;
  actors::card_directory directory;
};

TEST_F(cards_with_entities, a_card_scores_with_what_its_entities_saw) {
  for (int i = 0; i < 8; ++i)
    send(web("ring-" + std::to_string(i), t0 + i * 1000, "laptop",
             "shop-" + std::to_string(i)));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 8u);
  for (int i = 0; i < 8; ++i)  // device and IP: i+1 cards each
    EXPECT_EQ(sink.decisions[i].score, (i + 1) * 10 + (i + 1)) << i;
}

TEST_F(cards_with_entities, entities_hear_the_decisions) {
  // Small online payments of three cards at one shop: the third is
  // declined, and the shop hears of it.
  for (int i = 0; i < 4; ++i)
    send(web("tested-" + std::to_string(i), t0 + i * 1000,
             "dev-" + std::to_string(i), "small-shop", 1.0));
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 4u);
  EXPECT_EQ(sink.decisions[1].action, models::action::approve);
  EXPECT_EQ(sink.decisions[2].action, models::action::decline);
  actors::entity_probe p;
  p.route[2] = entities.find(entity_kind::merchant, "small-shop", 0);
  p.use = {models::card_hash("x"), t0 + 5000, false};
  std::optional<actors::entity_probe> answer;
  auto shop = *actors::first_stop(p);
  sys.spawn([&, p, shop](caf::event_based_actor* self) mutable {
    self->request(shop, caf::infinite, actors::observe_atom::value,
                  std::move(p))
      .then([&](actors::entity_probe& r) { answer = std::move(r); });
  });
  sched.run();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->views[2].uses_1h, 5u);
  EXPECT_DOUBLE_EQ(answer->views[2].declined_share_1h, 0.4);
}

TEST_F(cards_with_entities, a_card_keeps_its_order_while_entities_answer) {
  // The first transaction waits for its entities; the second, with none,
  // must still come after it.
  send(web("c", t0, "dev", "shop"));
  auto plain = test::sample_tx(t0 + 1000);
  plain.card_id = "c";
  send(plain);
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 2u);
  EXPECT_EQ(sink.decisions[0].event_time_ms, t0);
  EXPECT_EQ(sink.decisions[1].event_time_ms, t0 + 1000);
}

// --dispatch inline: a transaction waiting for its entities is in the
// card's mailbox, so the one after it, which needs none, queues behind it
// instead of being decided by the routing thread; once the card is idle
// again, the routing thread decides the next.
TEST_F(cards_with_entities, inline_what_follows_a_wait_for_entities_waits) {
  actors::card_directory cards{sys, env, {}, true};
  auto plain = [](std::int64_t t) {
    auto tx = test::sample_tx(t);
    tx.card_id = "c";
    actors::score_request r;
    r.tx = std::move(tx);
    return r;
  };
  // The device's actor has a message waiting for the coordinator: the
  // card's question to it waits behind (an idle one would run at once on
  // this thread and answer).
  auto device = entities.find(entity_kind::device, "dev", 0);
  caf::anon_send(device, actors::declined_atom::value, t0 - 1000);
  cards.route(plain(t0));
  ASSERT_EQ(sink.decisions.size(), 1u) << "decided on the routing thread";
  actors::score_request web_request;
  web_request.tx = web("c", t0 + 1000, "dev", "shop");
  cards.route(std::move(web_request));
  cards.route(plain(t0 + 2000));
  EXPECT_EQ(sink.decisions.size(), 1u) << "both wait for the entities";
  EXPECT_EQ(cards.decided_here(), 0u);
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 3u);
  EXPECT_EQ(sink.decisions[1].event_time_ms, t0 + 1000);
  EXPECT_EQ(sink.decisions[2].event_time_ms, t0 + 2000);
  cards.route(plain(t0 + 3000));
  EXPECT_EQ(cards.decided_here(), 1u);
  ASSERT_EQ(sink.decisions.size(), 4u);
  for (auto& c : cards.release_all())
    caf::anon_send(c, actors::passivate_atom::value);
  sched.run();
}

TEST_F(cards_with_entities, a_card_present_payment_without_ids_pays_nothing) {
  auto tx = test::sample_tx(t0);  // card present: no device, IP or merchant
  send(tx);
  sched.run();
  ASSERT_EQ(sink.decisions.size(), 1u);
  EXPECT_EQ(stats.entities_activated.get(), 0u);
  EXPECT_EQ(entities.size(), 0u);
}

} // namespace
