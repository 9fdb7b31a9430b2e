#include "service/partition_plan.hpp"

#include <algorithm>

#include "protocol/partition.hpp"

namespace fraud::service {

int fair_share(int partitions, int live) {
  live = std::max(1, live);
  return (partitions + live - 1) / live;
}

std::uint64_t rendezvous_weight(std::string_view instance, int partition) {
  // FNV-1a of the instance, then the partition's bytes mixed in, then a
  // 64-bit finaliser (splitmix64) so that close inputs spread apart.
  std::uint64_t h = protocol::fnv1a_32(instance);
  h = (h << 32) ^ static_cast<std::uint64_t>(partition + 1) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  return h;
}

partition_plan plan_partitions(const std::string& self, int live,
                               const std::vector<partition_view>& partitions) {
  partition_plan plan;
  const int n = static_cast<int>(partitions.size());
  const int share = fair_share(n, live);
  std::vector<int> own;
  std::vector<int> free;
  std::vector<int> orphans;
  for (int p = 0; p < n; ++p) {
    if (partitions[p].owner == self)
      own.push_back(p);
    else if (partitions[p].owner.empty())
      (partitions[p].orphaned ? orphans : free).push_back(p);
  }
  auto by_weight = [&self](int a, int b) {
    auto wa = rendezvous_weight(self, a);
    auto wb = rendezvous_weight(self, b);
    return wa != wb ? wa > wb : a < b;
  };
  const int owned = static_cast<int>(own.size());
  if (!orphans.empty()) {
    // Availability first: a dead owner's cards wait for whoever is alive.
    std::sort(orphans.begin(), orphans.end(), by_weight);
    plan.claim = std::move(orphans);
    return plan;
  }
  if (owned > share) {
    // Keep the partitions this instance weighs highest.
    std::sort(own.begin(), own.end(), by_weight);
    plan.release.assign(own.begin() + share, own.end());
    std::reverse(plan.release.begin(), plan.release.end());
  } else if (owned < share) {
    std::sort(free.begin(), free.end(), by_weight);
    free.resize(std::min<std::size_t>(free.size(),
                                      static_cast<std::size_t>(share - owned)));
    plan.claim = std::move(free);
  }
  return plan;
}

partition_plan plan_partitions(const std::string& self,
                               const std::vector<std::string>& live,
                               const std::vector<partition_view>& partitions) {
  auto plan = plan_partitions(self, static_cast<int>(std::max<std::size_t>(
                                      1, live.size())),
                              partitions);
  if (plan.release.empty())
    return plan;
  const int share = fair_share(static_cast<int>(partitions.size()),
                               static_cast<int>(live.size()));
  bool someone_wants = false;
  for (auto& other : live) {
    if (other == self)
      continue;
    int owned = 0;
    for (auto& v : partitions)
      owned += v.owner == other;
    someone_wants = someone_wants || owned < share;
  }
  if (!someone_wants)
    plan.release.clear();
  return plan;
}

} // namespace fraud::service
