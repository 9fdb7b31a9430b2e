// Which partitions an instance of a cluster should claim and which it
// should hand over, from what it knows: the live instances and who holds
// each lease. Pure and deterministic, so that the policy is tested without
// NATS; service/partition_owner.hpp acts on it.
//
// The policy: every live instance's fair share is ceil(P / live). An
// instance under its share claims free partitions; one over it hands the
// excess over. Which ones: rendezvous hashing (highest random weight) of
// (instance, partition), so that instances claiming at the same moment
// mostly want different partitions, and a partition tends to return to the
// same instance after a restart (its cards' state is then already warm in
// the bucket's caches, and the assignment is stable when nothing changes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fraud::service {

/// What one instance knows of one partition's lease.
struct partition_view {
  std::string owner;  // "" = free (never taken, released or expired)
  // Free because its owner stopped renewing (died, or was cut off), not
  // because it was handed over: any instance takes it, share or not, since
  // its cards wait; the shares are evened out afterwards by handovers.
  bool orphaned = false;
};

struct partition_plan {
  std::vector<int> claim;    // free partitions to try, best first
  std::vector<int> release;  // own partitions to hand over, first first
};

/// ceil(partitions / live), live >= 1.
int fair_share(int partitions, int live);

/// The weight of (instance, partition) for rendezvous hashing.
std::uint64_t rendezvous_weight(std::string_view instance, int partition);

/// What `self` should do now: claim free partitions up to its share, and
/// orphaned ones whatever its share; hand over what is beyond its share
/// once nothing is orphaned. `live` counts the instances known to be
/// alive, self included (at least 1). `partitions[p]` is what self knows of
/// partition p.
partition_plan plan_partitions(const std::string& self, int live,
                               const std::vector<partition_view>& partitions);

/// The same, knowing who the live instances are (self among them): a
/// partition is handed over only when a live instance holds fewer than
/// its share, so that nothing is released that nobody would take (an
/// instance that died is counted live until its announcement expires).
partition_plan plan_partitions(const std::string& self,
                               const std::vector<std::string>& live,
                               const std::vector<partition_view>& partitions);

} // namespace fraud::service
