// Inline dispatch (card_directory with run_inline) on a real, threaded
// actor system: the routing thread runs idle card actors itself, and the
// decisions are the ones the scheduler would have made, in the same order.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/runtime/card_directory.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/recording_sink.hpp"

namespace {

using namespace fraud;

// Routes 4 cards x 50 transactions, interleaved; returns what the sink saw.
std::vector<models::decision> run(bool run_inline,
                                  std::vector<std::thread::id>* threads) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};
  actors::counters stats;
  actors::ruleset_slot rules{models::make_default_ruleset()};
  test::recording_sink sink;
  actors::card_environment env;
  env.sink = &sink;
  env.rules = &rules;
  env.stats = &stats;
  actors::card_directory directory{sys, env, {}, run_inline};
  constexpr int cards = 4, per_card = 50;
  for (int i = 0; i < per_card; ++i)
    for (int c = 0; c < cards; ++c) {
      actors::score_request r;
      r.tx = test::card_tx("card-" + std::to_string(c), i);
      directory.route(std::move(r));
    }
  if (!test::eventually([&] { return sink.count() >= cards * per_card; })) {
    // Not read while card actors may still be delivering.
    ADD_FAILURE() << sink.count() << " of " << cards * per_card << " decided";
    return {};
  }
  if (threads != nullptr)
    *threads = sink.threads;
  return sink.decisions;
}

std::vector<std::string> ids_of_card(const std::vector<models::decision>& ds,
                                     const std::string& card) {
  std::vector<std::string> out;
  for (auto& d : ds)
    if (d.card_id == card)
      out.push_back(d.tx_id);
  return out;
}

TEST(inline_dispatch, scores_on_the_routing_thread_when_the_card_is_idle) {
  std::vector<std::thread::id> threads;
  auto ds = run(true, &threads);
  ASSERT_EQ(ds.size(), 200u);
  for (auto& id : threads)
    EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(inline_dispatch, keeps_each_cards_order_and_decides_as_the_scheduler) {
  auto inline_ds = run(true, nullptr);
  auto scheduled_ds = run(false, nullptr);
  ASSERT_EQ(inline_ds.size(), 200u);
  ASSERT_EQ(scheduled_ds.size(), 200u);
  for (int c = 0; c < 4; ++c) {
    auto card = "card-" + std::to_string(c);
    auto ids = ids_of_card(inline_ds, card);
    ASSERT_EQ(ids.size(), 50u);
    for (int i = 0; i < 50; ++i)
      EXPECT_EQ(ids[i], card + "-" + std::to_string(i));
    EXPECT_EQ(ids, ids_of_card(scheduled_ds, card));
  }
  auto score_of = [](const std::vector<models::decision>& ds,
                     const std::string& tx_id) {
    for (auto& d : ds)
      if (d.tx_id == tx_id)
        return d.score;
    return -1;
  };
  for (auto& d : inline_ds)
    EXPECT_EQ(d.score, score_of(scheduled_ds, d.tx_id)) << d.tx_id;
}

} // namespace
