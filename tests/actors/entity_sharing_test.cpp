// Entity state across the instances of a cluster, under CAF's
// deterministic test coordinator: two instances in one actor system, each
// with its own cards, entities and outbox, and the wire between them
// played by the test (drain one's outbox, fold into the other's entities:
// what service::entity_exchange does over NATS, a few ms later).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/entity.hpp"
#include "actors/runtime/card_directory.hpp"
#include "actors/runtime/entity_directory.hpp"
#include "actors/runtime/entity_outbox.hpp"
#include "actors/runtime/ruleset_slot.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/recording_sink.hpp"
#include "tests/support/test_coordinator.hpp"

namespace {

using namespace fraud;
using models::entity_kind;

constexpr std::int64_t t0 = 1'700'000'000'000;

// Scores what the rules were told of the device: ten points a card that
// used it in the last hour, one more once one of its payments was
// declined; declines from its third card.
class device_echo_rules : public models::ruleset {
public:
  const std::string& version() const override { return version_; }
  void evaluate(const models::features& f,
                models::evaluation& out) const override {
    out = models::evaluation{};
    out.score = static_cast<int>(f.device_cards_1h * 10)
                + (f.device_declined_share_1h > 0 ? 1 : 0);
    if (f.device_cards_1h >= 3)
      out.action = models::action::decline;
  }

private:
  std::string version_ = "device-echo";
};

// One fraudd of the cluster, as far as entities go.
struct instance {
  instance(caf::actor_system& sys, std::string id,
           const actors::ruleset_slot& rules)
    : name(std::move(id)), entities(sys, actors::entity_limits{}, &stats),
      outbox(64), env(make_env(rules)), cards(sys, env) {
  }

  actors::card_environment make_env(const actors::ruleset_slot& rules) {
    actors::card_environment e;
    e.sink = &sink;
    e.rules = &rules;
    e.stats = &stats;
    e.entities = &entities;
    e.outbox = &outbox;
    return e;
  }

  void stop() {
    for (auto& c : cards.release_all())
      caf::anon_send(c, actors::passivate_atom::value);
    entities.stop_all();
  }

  std::string name;
  actors::counters stats;
  test::recording_sink sink;
  actors::entity_directory entities;
  actors::entity_outbox outbox;
  actors::card_environment env;
  actors::card_directory cards;
};

class shared_entities : public ::testing::Test {
protected:
  shared_entities()
    : sys(cfg), sched(test::coordinator_of(sys)),
      rules(std::make_shared<const device_echo_rules>()),
      a(std::make_unique<instance>(sys, "fraudd-a", rules)),
      b(std::make_unique<instance>(sys, "fraudd-b", rules)) {
  }

  ~shared_entities() override {
    a->stop();
    b->stop();
    sched.run();
  }

  void send(instance& to, models::transaction tx) {
    actors::score_request r;
    r.tx = std::move(tx);
    to.cards.route(std::move(r));
    sched.run();
  }

  // What `from` published reaches `to`: folded, as `to` folds anything
  // that arrives. Returns how many observations it folded.
  std::size_t carry(instance& from, instance& to) {
    models::entity_observations batch;
    batch.instance = from.name;
    from.outbox.drain(batch.items, 1000);
    auto n = actors::fold(to.entities, batch, to.name, 0);
    sched.run();
    return n;
  }

  static models::transaction web(const std::string& card, std::int64_t t) {
    auto tx = test::online(test::sample_tx(t), "laptop");
    tx.card_id = card;
    tx.ip = "198.51.100.7";
    tx.merchant_id = "shop";
    return tx;
  }

  // The device as instance `in` sees it now (a use by card "probe").
  models::entity_view device(instance& in, std::int64_t t) {
    actors::entity_probe p;
    p.route[0] = in.entities.find(entity_kind::device, "laptop", 0);
    p.use = {models::card_hash("probe"), t, false};
    std::optional<actors::entity_probe> answer;
    auto first = *actors::first_stop(p);
    sys.spawn([&, p, first](caf::event_based_actor* self) mutable {
      self->request(first, caf::infinite, actors::observe_atom::value,
                    std::move(p))
        .then([&](actors::entity_probe& r) { answer = std::move(r); });
    });
    sched.run();
    EXPECT_TRUE(answer);
    return answer ? answer->views[0] : models::entity_view{};
  }

  test::test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  actors::ruleset_slot rules;
  std::unique_ptr<instance> a, b;
};

// Six cards of a ring on one laptop, their transactions answered by the
// two instances in turn: each sees every card before it, whichever
// instance it was on, and the decline of the third (on a) reaches b.
TEST_F(shared_entities, a_ring_over_two_instances_counts_every_card) {
  for (int i = 0; i < 6; ++i) {
    auto& on = i % 2 == 0 ? *a : *b;
    auto& other = i % 2 == 0 ? *b : *a;
    send(on, web("ring-" + std::to_string(i), t0 + i * 60'000));
    EXPECT_EQ(carry(on, other), 1u) << i;
  }
  ASSERT_EQ(a->sink.decisions.size(), 3u);
  ASSERT_EQ(b->sink.decisions.size(), 3u);
  EXPECT_EQ(a->sink.decisions[0].score, 10);  // ring-0
  EXPECT_EQ(b->sink.decisions[0].score, 20);  // ring-1
  EXPECT_EQ(a->sink.decisions[1].score, 30);  // ring-2: declined
  EXPECT_EQ(a->sink.decisions[1].action, models::action::decline);
  EXPECT_EQ(b->sink.decisions[1].score, 41);  // ring-3: heard of it
  EXPECT_EQ(a->sink.decisions[2].score, 51);
  EXPECT_EQ(b->sink.decisions[2].score, 61);
  EXPECT_EQ(a->stats.entity_observations_dropped.get(), 0u);
}

// What an instance folds it does not publish again, and its own batches,
// which the server sends back to it, are not counted twice.
TEST_F(shared_entities, an_instances_own_echo_is_ignored) {
  send(*a, web("card-1", t0));
  models::entity_observations echo;
  echo.instance = a->name;
  ASSERT_EQ(a->outbox.drain(echo.items, 10), 1u);
  EXPECT_EQ(echo.items[0].ids[0], "laptop");
  EXPECT_EQ(echo.items[0].ids[1], "198.51.100.7");
  EXPECT_EQ(echo.items[0].ids[2], "shop");
  EXPECT_EQ(actors::fold(a->entities, echo, a->name, 0), 0u);
  EXPECT_EQ(actors::fold(b->entities, echo, b->name, 0), 1u);
  sched.run();
  // One payment each, with the probe's own.
  EXPECT_EQ(device(*a, t0 + 1000).uses_1h, 2u);
  EXPECT_EQ(device(*b, t0 + 1000).uses_1h, 2u);
  EXPECT_EQ(device(*b, t0 + 2000).cards_1h, 2u);  // card-1 and the probe
  EXPECT_EQ(b->outbox.size(), 0u);
}

// A card-present payment names no entity: nothing to share.
TEST_F(shared_entities, a_payment_without_entities_shares_nothing) {
  auto tx = test::sample_tx(t0);
  tx.card_id = "card-2";
  send(*a, tx);
  EXPECT_EQ(a->outbox.size(), 0u);
  EXPECT_EQ(a->sink.decisions.size(), 1u);
}

} // namespace
