// The partition policy alone (service/partition_plan.hpp): fair shares,
// what an instance claims and hands over, and that a cluster of instances
// following it converges to every partition owned once, by fair shares.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "service/partition_plan.hpp"

namespace {

using namespace fraud::service;

std::vector<partition_view> free_partitions(int n) {
  return std::vector<partition_view>(static_cast<std::size_t>(n));
}

TEST(partition_plan, the_fair_share_is_the_ceiling_of_partitions_per_instance) {
  EXPECT_EQ(fair_share(64, 1), 64);
  EXPECT_EQ(fair_share(64, 2), 32);
  EXPECT_EQ(fair_share(64, 3), 22);
  EXPECT_EQ(fair_share(64, 5), 13);
  EXPECT_EQ(fair_share(64, 100), 1);
  EXPECT_EQ(fair_share(64, 0), 64);  // never divides by zero
}

TEST(partition_plan, an_instance_alone_claims_everything) {
  auto plan = plan_partitions("a/1", 1, free_partitions(64));
  EXPECT_EQ(plan.claim.size(), 64u);
  EXPECT_TRUE(plan.release.empty());
  std::set<int> distinct(plan.claim.begin(), plan.claim.end());
  EXPECT_EQ(distinct.size(), 64u);
}

TEST(partition_plan, an_instance_claims_up_to_its_share_of_the_free_ones) {
  auto view = free_partitions(64);
  for (int p = 0; p < 40; ++p)
    view[static_cast<std::size_t>(p)].owner = "b/1";
  auto plan = plan_partitions("a/1", 2, view);
  ASSERT_EQ(plan.claim.size(), 24u);  // only 24 are free; share is 32
  for (int p : plan.claim)
    EXPECT_GE(p, 40);
}

TEST(partition_plan, an_instance_over_its_share_hands_the_excess_over) {
  auto view = free_partitions(64);
  for (auto& v : view)
    v.owner = "a/1";
  auto plan = plan_partitions("a/1", 3, view);
  EXPECT_TRUE(plan.claim.empty());
  EXPECT_EQ(plan.release.size(), 64u - 22u);
  // It keeps the ones it weighs highest, so that the choice is stable.
  std::set<int> released(plan.release.begin(), plan.release.end());
  for (int p = 0; p < 64; ++p)
    if (!released.count(p))
      for (int r : plan.release)
        EXPECT_GE(rendezvous_weight("a/1", p), rendezvous_weight("a/1", r));
}

TEST(partition_plan, instances_prefer_different_partitions) {
  // Rendezvous hashing: two instances claiming from the same free set at
  // the same moment mostly want different ones.
  auto a = plan_partitions("a/1", 2, free_partitions(64)).claim;
  auto b = plan_partitions("b/1", 2, free_partitions(64)).claim;
  std::set<int> both;
  for (int p : a)
    if (std::find(b.begin(), b.end(), p) != b.end())
      both.insert(p);
  EXPECT_LT(both.size(), 24u) << "expected about half to overlap";
}

TEST(partition_plan, a_cluster_following_the_plan_converges) {
  // Three instances act in turn on a shared view, claims racing as on a
  // real bucket (the first to claim wins), until nothing changes.
  std::vector<std::string> instances{"a/1", "b/2", "c/3"};
  auto view = free_partitions(64);
  for (int round = 0; round < 10; ++round) {
    bool changed = false;
    for (auto& self : instances) {
      auto plan = plan_partitions(self, 3, view);
      for (int p : plan.release) {
        view[static_cast<std::size_t>(p)].owner.clear();
        changed = true;
      }
      for (int p : plan.claim)
        if (view[static_cast<std::size_t>(p)].owner.empty()) {
          view[static_cast<std::size_t>(p)].owner = self;
          changed = true;
        }
    }
    if (!changed)
      break;
  }
  std::map<std::string, int> owned;
  for (auto& v : view) {
    ASSERT_FALSE(v.owner.empty());
    ++owned[v.owner];
  }
  for (auto& [who, n] : owned) {
    EXPECT_LE(n, 22) << who;
    EXPECT_GE(n, 20) << who;
  }
  // One leaves: the two left take everything, by shares of 32.
  for (auto& v : view)
    if (v.owner == "c/3")
      v.owner.clear();
  instances.pop_back();
  for (auto& self : instances)
    for (int p : plan_partitions(self, 2, view).claim)
      if (view[static_cast<std::size_t>(p)].owner.empty())
        view[static_cast<std::size_t>(p)].owner = self;
  owned.clear();
  for (auto& v : view) {
    ASSERT_FALSE(v.owner.empty());
    ++owned[v.owner];
  }
  EXPECT_EQ(owned["a/1"] + owned["b/2"], 64);
  EXPECT_LE(owned["a/1"], 32);
  EXPECT_LE(owned["b/2"], 32);
}

TEST(partition_plan, orphaned_partitions_are_claimed_whatever_the_share) {
  // c died: its partitions expired (orphaned). a, at its share of 22 with
  // c still counted live, takes them all the same; handed-over ones (free,
  // not orphaned) it takes only up to its share.
  auto view = free_partitions(64);
  for (int p = 0; p < 22; ++p)
    view[static_cast<std::size_t>(p)].owner = "a/1";
  for (int p = 22; p < 44; ++p)
    view[static_cast<std::size_t>(p)].owner = "b/2";
  for (int p = 44; p < 64; ++p)
    view[static_cast<std::size_t>(p)].orphaned = true;
  auto plan = plan_partitions("a/1", 3, view);
  EXPECT_EQ(plan.claim.size(), 20u);
  EXPECT_TRUE(plan.release.empty()) << "no handover while cards wait";
  for (int p = 44; p < 64; ++p)
    view[static_cast<std::size_t>(p)].orphaned = false;
  EXPECT_TRUE(plan_partitions("a/1", 3, view).claim.empty());
}

TEST(partition_plan, nothing_is_handed_over_that_nobody_would_take) {
  // a holds 32, b 32, and a third instance is counted live: a is over the
  // share of 22 but hands over only while someone holds fewer than 22.
  auto view = free_partitions(64);
  for (int p = 0; p < 64; ++p)
    view[static_cast<std::size_t>(p)].owner = p < 32 ? "a/1" : "b/2";
  EXPECT_EQ(plan_partitions("a/1", {"a/1", "b/2", "c/3"}, view).release.size(),
            10u)
    << "c holds nothing: it takes what a hands over";
  for (int p = 54; p < 64; ++p)
    view[static_cast<std::size_t>(p)].owner = "c/3";
  for (int p = 22; p < 32; ++p)
    view[static_cast<std::size_t>(p)].owner = "b/2";
  // a 22, b 32, c 10: a at its share keeps all; b hands over to c.
  EXPECT_TRUE(plan_partitions("a/1", {"a/1", "b/2", "c/3"}, view).release.empty());
  EXPECT_EQ(plan_partitions("b/2", {"a/1", "b/2", "c/3"}, view).release.size(),
            10u);
  // Two left, both over a share of 22 with c counted: nothing moves.
  for (int p = 54; p < 64; ++p)
    view[static_cast<std::size_t>(p)].owner = "b/2";
  for (int p = 22; p < 32; ++p)
    view[static_cast<std::size_t>(p)].owner = "a/1";
  view[0].owner = "c/3";  // c holds one: under its share, it would take more
  EXPECT_FALSE(plan_partitions("a/1", {"a/1", "b/2", "c/3"}, view).release.empty());
  view[0].owner = "a/1";
  auto both = plan_partitions("a/1", {"a/1", "b/2"}, view);
  EXPECT_TRUE(both.release.empty() && both.claim.empty());
}

} // namespace
