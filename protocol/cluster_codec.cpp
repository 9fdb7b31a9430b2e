#include "protocol/cluster_codec.hpp"

#include <algorithm>

#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

using detail::serialize;

void encode(const cluster_view& v, std::string& out) {
  v1::ClusterStatus msg;
  msg.set_clustered(v.clustered);
  msg.set_instance(detail::valid_utf8(v.instance));
  msg.set_partitions(v.partitions);
  for (auto& i : v.instances) {
    auto* w = msg.add_instances();
    w->set_id(detail::valid_utf8(i.id));
    w->set_seen_ms_ago(i.seen_ms_ago);
  }
  for (auto& l : v.leases) {
    auto* w = msg.add_partition_leases();
    w->set_partition(l.partition);
    w->set_owner(detail::valid_utf8(l.owner));
    w->set_revision(l.revision);
    w->set_written_ms_ago(l.written_ms_ago);
    w->set_active_cards(l.active_cards);
  }
  for (auto p : v.owned)
    msg.add_owned(p);
  msg.set_claims(v.claims);
  msg.set_releases(v.releases);
  msg.set_renewals(v.renewals);
  msg.set_renewal_failures(v.renewal_failures);
  msg.set_lost(v.lost);
  detail::set_error(msg, v.error);
  msg.set_origin_instance(msg.instance());
  msg.set_origin_instances(
    std::max<std::uint32_t>(1, static_cast<std::uint32_t>(v.instances.size())));
  serialize(msg, out);
}

fraud::error decode(const void* data, std::size_t size, cluster_view& out) {
  v1::ClusterStatus msg;
  if (!detail::parse(msg, data, size))
    return detail::malformed("ClusterStatus");
  out = cluster_view{};
  out.clustered = msg.clustered();
  out.instance = msg.instance();
  out.partitions = msg.partitions();
  for (auto& i : msg.instances())
    out.instances.push_back({i.id(), i.seen_ms_ago()});
  for (auto& l : msg.partition_leases())
    out.leases.push_back({l.partition(), l.owner(), l.revision(),
                          l.written_ms_ago(), l.active_cards()});
  out.owned.assign(msg.owned().begin(), msg.owned().end());
  out.claims = msg.claims();
  out.releases = msg.releases();
  out.renewals = msg.renewals();
  out.renewal_failures = msg.renewal_failures();
  out.lost = msg.lost();
  out.error = detail::get_error(msg);
  return {};
}

} // namespace fraud::protocol
