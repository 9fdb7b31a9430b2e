// card_directory's upkeep: other threads only ask (a sweep, a lookup); the
// owner does the work between transactions, a sweep in slices of at most
// the cards it is told, so that routing never waits for a whole sweep.
// Card actors run on a real, threaded actor system, inline as in fraudd.
#include "actors/runtime/card_directory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include "tests/actors/runtime/threaded_cards.hpp"
#include "tests/models/sample_transaction.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

constexpr std::int64_t second_ns = 1'000'000'000;

class card_directory_upkeep : public ::testing::Test,
                              protected test::threaded_cards {
protected:
  void use(std::int64_t idle_ns) {
    actors::directory_limits limits;
    limits.idle_ns = idle_ns;
    directory = std::make_unique<actors::card_directory>(*sys, env, limits,
                                                         true);
  }

  // Routes one transaction for each of cards [first, first + n) at now_ns.
  void route(int first, int n, std::int64_t now_ns) {
    for (int c = first; c < first + n; ++c) {
      actors::score_request r;
      r.tx = test::sample_tx();
      r.tx.card_id = "card-" + std::to_string(c);
      directory->route(std::move(r), now_ns);
    }
  }

  // Sweeps in slices of `slice` until done; returns how many slices said
  // more may be left.
  int sweep_in_slices(std::size_t slice) {
    auto before = stats.passivations.get();
    int slices = 0;
    while (directory->sweep_slice(slice)) {
      ++slices;
      EXPECT_EQ(stats.passivations.get() - before, slices * slice);
    }
    return slices;
  }

  std::unique_ptr<actors::card_directory> directory;
};

TEST_F(card_directory_upkeep, nothing_is_swept_until_a_sweep_is_asked_for) {
  use(second_ns);
  route(0, 10, 0);
  EXPECT_FALSE(directory->upkeep_due());
  EXPECT_FALSE(directory->sweep_slice(100));
  EXPECT_EQ(directory->size(), 10u);
  EXPECT_EQ(stats.passivations.get(), 0u);
}

TEST_F(card_directory_upkeep, a_sweep_is_done_in_slices_of_at_most_n_cards) {
  use(second_ns);
  route(0, 1000, 0);
  route(1000, 10, 900'000'000);  // used lately: stay
  directory->request_sweep(1'500'000'000);
  EXPECT_TRUE(directory->upkeep_due());
  // Ten full slices, then one that finds no idle card left and ends it.
  EXPECT_EQ(sweep_in_slices(100), 10);
  EXPECT_EQ(stats.passivations.get(), 1000u);
  EXPECT_EQ(directory->size(), 10u);
  EXPECT_FALSE(directory->upkeep_due());
  EXPECT_FALSE(directory->find("card-0"));
  EXPECT_TRUE(directory->find("card-1000"));
  // A passivated card comes back on its next transaction.
  route(0, 1, 2 * second_ns);
  EXPECT_EQ(directory->size(), 11u);
  EXPECT_EQ(stats.cards_activated.get(), 1011u);
}

// Through a cap, every new card passivates one, which the hand-off memory
// remembers: the table stays at the cap and consistent (each erase finds
// its slot from the card's id, which must still be there), and a
// passivated card comes back restoring what it queued.
TEST_F(card_directory_upkeep, cards_through_a_cap_leave_the_table_consistent) {
  actors::directory_limits limits;
  limits.max_cards = 500;
  directory = std::make_unique<actors::card_directory>(*sys, env, limits,
                                                       true);
  route(0, 5000, 0);
  EXPECT_EQ(directory->size(), 500u);
  EXPECT_EQ(stats.passivations.get(), 4500u);
  EXPECT_TRUE(directory->find("card-4999"));
  EXPECT_FALSE(directory->find("card-0"));
  route(0, 1, second_ns);
  EXPECT_TRUE(directory->find("card-0"));
  EXPECT_EQ(directory->size(), 500u);
}

TEST_F(card_directory_upkeep, a_sweep_asked_for_on_another_thread_is_done_here) {
  use(second_ns);
  route(0, 50, 0);
  std::thread sweeper{[this] { directory->request_sweep(2 * second_ns); }};
  sweeper.join();
  ASSERT_TRUE(directory->upkeep_due());
  EXPECT_EQ(sweep_in_slices(7), 7);  // 50 cards: 7 full slices, 1 left
  EXPECT_EQ(directory->size(), 0u);
}

TEST_F(card_directory_upkeep, a_newer_request_during_a_sweep_is_done_after_it) {
  use(second_ns);
  route(0, 100, 0);
  route(100, 100, second_ns);
  directory->request_sweep(1'500'000'000);  // the first 100 are idle
  EXPECT_TRUE(directory->sweep_slice(60));
  directory->request_sweep(2'500'000'000);  // now all 200 are
  // 140 left: two full slices, then the last 20 and the end.
  EXPECT_EQ(sweep_in_slices(60), 2);
  EXPECT_EQ(directory->size(), 0u);
  EXPECT_FALSE(directory->upkeep_due());
}

TEST_F(card_directory_upkeep, a_sweep_older_than_every_use_passivates_none) {
  use(second_ns);
  route(0, 10, second_ns);
  directory->request_sweep(1'500'000'000);
  EXPECT_FALSE(directory->sweep_slice(100));
  EXPECT_EQ(directory->size(), 10u);
  EXPECT_FALSE(directory->upkeep_due());
}

TEST_F(card_directory_upkeep, without_an_idle_limit_no_sweep_is_taken) {
  use(0);
  route(0, 10, 0);
  directory->request_sweep(100 * second_ns);
  EXPECT_FALSE(directory->upkeep_due());
  EXPECT_EQ(directory->sweep_idle(100 * second_ns), 0u);
  EXPECT_EQ(directory->size(), 10u);
}

// A query thread looks cards up while the owner routes: the owner answers
// between transactions, with what it holds at that moment.
TEST_F(card_directory_upkeep, lookups_are_answered_by_the_owner_between_routes) {
  use(0);
  route(0, 100, 0);
  std::optional<actors::card_actor> known, unknown;
  std::size_t size_seen = 0;
  std::atomic<bool> finished{false};
  std::thread query{[&] {
    known = directory->lookup("card-5", 1h);
    unknown = directory->lookup("card-none", 1h);
    size_seen = directory->size();
    finished = true;
  }};
  for (int i = 0; !finished; ++i) {
    route(i % 100, 1, i);
    if (directory->upkeep_due())
      directory->answer_lookups();
  }
  query.join();
  ASSERT_TRUE(known);
  EXPECT_EQ(*known, *directory->find("card-5"));
  EXPECT_FALSE(unknown);
  EXPECT_EQ(size_seen, 100u);
}

TEST_F(card_directory_upkeep, lookups_after_close_are_answered_at_once) {
  use(0);
  route(0, 1, 0);
  directory->close_lookups();
  EXPECT_FALSE(directory->lookup("card-0", 1h));
  EXPECT_FALSE(directory->upkeep_due());
}

} // namespace
