// fraud.query.cluster as plain C++ values (README: Cluster): what one
// instance sees of the cluster's instances and partition leases. Each
// instance answers; clients gather the answers (fraudctl cluster).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/error.hpp"

namespace fraud::protocol {

inline constexpr const char* cluster_subject = "fraud.query.cluster";

struct cluster_instance_view {
  std::string id;
  std::int64_t seen_ms_ago = 0;
};

struct cluster_partition_view {
  std::uint32_t partition = 0;
  std::string owner;            // "" free, "?" being claimed
  std::uint64_t revision = 0;
  std::int64_t written_ms_ago = -1;
  std::uint64_t active_cards = 0;
};

struct cluster_view {
  bool clustered = false;
  std::string instance;
  std::uint32_t partitions = 0;
  std::vector<cluster_instance_view> instances;
  std::vector<cluster_partition_view> leases;
  std::vector<std::uint32_t> owned;
  std::uint64_t claims = 0, releases = 0, renewals = 0, renewal_failures = 0,
                lost = 0;
  fraud::error error;
};

void encode(const cluster_view& v, std::string& out);
/// BAD_REQUEST when the bytes are not a fraud.v1.ClusterStatus.
fraud::error decode(const void* data, std::size_t size, cluster_view& out);

} // namespace fraud::protocol
