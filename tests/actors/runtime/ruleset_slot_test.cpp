// ruleset_slot: every reader sees one whole ruleset, the newest set() once
// it looks again, and never a ruleset of another slot, not even of a dead
// slot whose memory a new one took over.
#include "actors/runtime/ruleset_slot.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

using fraud::actors::ruleset_slot;

class named_ruleset : public fraud::models::ruleset {
public:
  explicit named_ruleset(std::string version) : version_(std::move(version)) {
  }
  const std::string& version() const override { return version_; }
  void evaluate(const fraud::models::features&,
                fraud::models::evaluation&) const override {
  }

private:
  std::string version_;
};

std::shared_ptr<const fraud::models::ruleset> named(const std::string& v) {
  return std::make_shared<named_ruleset>(v);
}

TEST(ruleset_slot, current_is_the_initial_ruleset_until_set) {
  ruleset_slot slot{named("A")};
  EXPECT_EQ(slot.current().version(), "A");
  EXPECT_EQ(slot.get()->version(), "A");
  slot.set(named("B"));
  EXPECT_EQ(slot.current().version(), "B");
  EXPECT_EQ(slot.get()->version(), "B");
}

TEST(ruleset_slot, two_slots_on_one_thread_keep_their_own_rulesets) {
  ruleset_slot a{named("A")};
  ruleset_slot b{named("B")};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.current().version(), "A");
    EXPECT_EQ(b.current().version(), "B");
  }
  a.set(named("A2"));
  EXPECT_EQ(b.current().version(), "B");
  EXPECT_EQ(a.current().version(), "A2");
}

// The thread-local cache must not take a new slot for the dead one that
// lived at the same address: tests and restarts construct slots just so.
TEST(ruleset_slot, a_new_slot_at_a_dead_slots_address_reads_its_own_ruleset) {
  alignas(ruleset_slot) unsigned char storage[sizeof(ruleset_slot)];
  auto* first = new (storage) ruleset_slot{named("A")};
  EXPECT_EQ(first->current().version(), "A");
  first->~ruleset_slot();
  auto* second = new (storage) ruleset_slot{named("B")};
  EXPECT_EQ(second->current().version(), "B");
  second->~ruleset_slot();
}

TEST(ruleset_slot, a_new_slot_at_a_dead_slots_address_after_as_many_sets) {
  alignas(ruleset_slot) unsigned char storage[sizeof(ruleset_slot)];
  auto* first = new (storage) ruleset_slot{named("A")};
  first->set(named("A2"));
  EXPECT_EQ(first->current().version(), "A2");
  first->~ruleset_slot();
  auto* second = new (storage) ruleset_slot{named("B")};
  second->set(named("B2"));
  EXPECT_EQ(second->current().version(), "B2");
  second->~ruleset_slot();
}

TEST(ruleset_slot, the_reference_outlives_a_set_until_the_next_current) {
  ruleset_slot slot{named("A")};
  auto& before = slot.current();
  slot.set(named("B"));
  EXPECT_EQ(before.version(), "A") << "still held for this thread";
  EXPECT_EQ(slot.current().version(), "B");
}

// Readers on several threads while a writer replaces the ruleset: each
// read is one whole ruleset of this slot, and versions never go back.
TEST(ruleset_slot, readers_see_whole_rulesets_in_order_while_it_changes) {
  constexpr int versions = 2000;
  ruleset_slot slot{named("0")};
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      int last = 0;
      while (!done.load(std::memory_order_acquire)) {
        int seen = std::stoi(slot.current().version());
        if (seen < last || seen > versions)
          failures.fetch_add(1);
        last = seen;
      }
      // After the writer finished, the next look finds the last version.
      if (std::stoi(slot.current().version()) != versions)
        failures.fetch_add(1);
    });
  for (int v = 1; v <= versions; ++v)
    slot.set(named(std::to_string(v)));
  done.store(true, std::memory_order_release);
  for (auto& t : readers)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace

namespace {

// A ruleset that says what model_score it was given, in its action.
class model_echo : public fraud::models::ruleset {
public:
  const std::string& version() const override { return version_; }
  void evaluate(const fraud::models::features& f,
                fraud::models::evaluation& out) const override {
    out.score = static_cast<int>(f.model_score * 100);
  }

private:
  std::string version_ = "echo";
};

// One leaf: a probability of 1 / (1 + e^-2), about 0.88.
std::shared_ptr<const fraud::models::tree_model> constant_model() {
  fraud::models::tree_model_spec s;
  s.feature_count = 1;
  s.trees.push_back(fraud::models::tree_spec{{-1}, {-1}, {0}, {2.0f}, {0}});
  return std::make_shared<const fraud::models::tree_model>(
    *fraud::models::tree_model::build(s));
}

TEST(ruleset_slot, a_model_scores_for_the_running_ruleset_and_every_later_one) {
  ruleset_slot slot{std::make_shared<model_echo>()};
  fraud::models::evaluation e;
  slot.current().evaluate({}, e);
  EXPECT_EQ(e.score, 0);
  slot.set_model(constant_model());
  slot.current().evaluate({}, e);
  EXPECT_EQ(e.score, 88);
  EXPECT_EQ(slot.current().version(), "echo");
  slot.set(std::make_shared<model_echo>());
  slot.current().evaluate({}, e);
  EXPECT_EQ(e.score, 88) << "a ruleset set later lost the model";
  slot.set_model(nullptr);
  slot.current().evaluate({}, e);
  EXPECT_EQ(e.score, 0);
}

TEST(ruleset_slot, each_ruleset_names_the_model_it_runs_with) {
  ruleset_slot slot{std::make_shared<model_echo>()};
  EXPECT_EQ(slot.current().model_version(), "");
  slot.set_model(fraud::models::named_model{constant_model(), "model-4"});
  EXPECT_EQ(slot.current().model_version(), "model-4");
  slot.set(std::make_shared<model_echo>());
  EXPECT_EQ(slot.current().model_version(), "model-4");
  EXPECT_EQ(slot.current().version(), "echo");
  slot.set_model(fraud::models::named_model{nullptr, "model-5"});
  EXPECT_EQ(slot.current().model_version(), "") << "no model, no name";
}

} // namespace
