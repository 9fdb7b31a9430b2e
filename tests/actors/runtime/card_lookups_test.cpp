// card_lookups: a question asked on one thread is answered by the owner on
// another, each asker gets the answer to its own question, and nobody waits
// forever: not for an owner that is slow, nor for one that has stopped.
#include "actors/runtime/card_lookups.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

namespace {

using namespace fraud;
using actors::card_actor;
using actors::card_lookups;
using namespace std::chrono_literals;

// Stands in for a card: the lookups only pass its handle around.
card_actor::behavior_type stand_in() {
  return {
    [](actors::score_atom, actors::score_request&) {},
    [](actors::summary_atom) { return models::card_summary{}; },
    [](actors::passivate_atom) {},
    [](actors::handoff_atom) { return true; },
  };
}

struct test_config : caf::actor_system_config {
  test_config() { set("scheduler.policy", caf::atom("sharing")); }
};

class lookups : public ::testing::Test {
protected:
  lookups() : sys(cfg) {
    active["card-a"] = sys.spawn(stand_in);
    active["card-b"] = sys.spawn(stand_in);
  }

  std::optional<card_actor> find(const std::string& id) const {
    auto i = active.find(id);
    if (i == active.end())
      return std::nullopt;
    return i->second;
  }

  // The owner's loop: answers until `done` says the askers have finished.
  template <class Done>
  void answer_until(Done done) {
    while (!done()) {
      if (questions.waiting())
        questions.answer([this](const std::string& id) { return find(id); });
      std::this_thread::yield();
    }
  }

  test_config cfg;
  caf::actor_system sys;
  std::map<std::string, card_actor> active;
  card_lookups questions;
};

TEST_F(lookups, nothing_waits_until_someone_asks) {
  EXPECT_FALSE(questions.waiting());
  int answered = 0;
  questions.answer([&](const std::string&) {
    ++answered;
    return std::optional<card_actor>{};
  });
  EXPECT_EQ(answered, 0);
}

TEST_F(lookups, a_question_asked_on_one_thread_is_answered_on_another) {
  std::optional<card_actor> a, unknown;
  std::atomic<bool> finished{false};
  std::thread asker{[&] {
    a = questions.ask("card-a", 1h);
    unknown = questions.ask("card-x", 1h);
    finished = true;
  }};
  answer_until([&] { return finished.load(); });
  asker.join();
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, active["card-a"]);
  EXPECT_FALSE(unknown);
  EXPECT_FALSE(questions.waiting());
}

TEST_F(lookups, many_askers_at_once_each_get_the_answer_to_their_question) {
  constexpr int askers = 6, each = 200;
  std::atomic<int> finished{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < askers; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) {
        auto id = (i + t) % 3 == 0 ? "card-a"
                  : (i + t) % 3 == 1 ? "card-b"
                                     : "card-none";
        auto found = questions.ask(id, 1h);
        if (found != find(id))
          wrong.fetch_add(1);
      }
      finished.fetch_add(1);
    });
  answer_until([&] { return finished.load() == askers; });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(lookups, an_unanswered_question_gives_up_after_its_wait) {
  EXPECT_FALSE(questions.ask("card-a", 1ms));
  // It still waits for the owner, whose late answer goes nowhere.
  EXPECT_TRUE(questions.waiting());
  questions.answer([this](const std::string& id) { return find(id); });
  EXPECT_FALSE(questions.waiting());
}

TEST_F(lookups, close_answers_the_waiting_and_every_later_question) {
  std::optional<card_actor> answer = active["card-a"];
  std::thread asker{[&] { answer = questions.ask("card-a", 1h); }};
  while (!questions.waiting())
    std::this_thread::yield();
  questions.close();
  asker.join();  // would wait an hour if close() left it waiting
  EXPECT_FALSE(answer);
  EXPECT_FALSE(questions.ask("card-a", 1h)) << "answered at once";
  EXPECT_FALSE(questions.waiting());
  questions.close();  // twice is harmless
}

TEST_F(lookups, a_destroyed_owner_answers_what_still_waits) {
  auto owned = std::make_unique<card_lookups>();
  std::optional<card_actor> answer = active["card-a"];
  std::thread asker{[&] { answer = owned->ask("card-a", 1h); }};
  while (!owned->waiting())
    std::this_thread::yield();
  owned.reset();
  asker.join();
  EXPECT_FALSE(answer);
}

} // namespace
