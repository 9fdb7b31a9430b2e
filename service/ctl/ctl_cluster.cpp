// fraudctl cluster: every instance's view of the cluster (fraud.query.cluster,
// README: Cluster), gathered and shown together: the instances, which
// partitions each owns, its lease ages and live cards, and the partitions
// nobody answers for.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "protocol/cluster_codec.hpp"
#include "service/client/gather.hpp"
#include "service/ctl/ctl.hpp"

namespace fraud::ctl {

namespace {

// "0-3,7,9-10"
std::string ranges(std::vector<std::uint32_t> ps) {
  std::sort(ps.begin(), ps.end());
  std::string out;
  for (std::size_t i = 0; i < ps.size();) {
    auto j = i;
    while (j + 1 < ps.size() && ps[j + 1] == ps[j] + 1)
      ++j;
    out += (out.empty() ? "" : ",") + std::to_string(ps[i]);
    if (j > i)
      out += "-" + std::to_string(ps[j]);
    i = j + 1;
  }
  return out.empty() ? "-" : out;
}

nlohmann::json to_json(const protocol::cluster_view& v) {
  nlohmann::json j;
  j["instance"] = v.instance;
  j["clustered"] = v.clustered;
  j["partitions"] = v.partitions;
  j["owned"] = v.owned;
  j["claims"] = v.claims;
  j["releases"] = v.releases;
  j["renewals"] = v.renewals;
  j["renewal_failures"] = v.renewal_failures;
  j["lost"] = v.lost;
  auto& inst = j["instances_seen"] = nlohmann::json::array();
  for (auto& i : v.instances)
    inst.push_back({{"id", i.id}, {"seen_ms_ago", i.seen_ms_ago}});
  auto& leases = j["leases"] = nlohmann::json::array();
  for (auto& l : v.leases)
    leases.push_back({{"partition", l.partition},
                      {"owner", l.owner},
                      {"revision", l.revision},
                      {"written_ms_ago", l.written_ms_ago},
                      {"active_cards", l.active_cards}});
  return j;
}

} // namespace

int run_cluster(const common_options& c) {
  auto conn = connect(c, service::nats_role::viewer);
  if (!conn)
    return failure;
  service::gather_options options;
  options.timeout_ms = c.timeout_ms;
  options.min_instances = c.instances;
  auto got = service::gather(*conn, protocol::cluster_subject, "", options);
  if (!got) {
    std::fprintf(stderr, "fraudctl: %s\n", got.error().what().c_str());
    return exit_code(got.error());
  }
  std::vector<protocol::cluster_view> views;
  for (auto& r : got->replies) {
    protocol::cluster_view v;
    if (auto err = protocol::decode(r.bytes.data(), r.bytes.size(), v)) {
      std::fprintf(stderr, "fraudctl: %s answered something else: %s\n",
                   r.instance.c_str(), to_string(err).c_str());
      return service_failed;
    }
    views.push_back(std::move(v));
  }
  std::sort(views.begin(), views.end(),
            [](auto& a, auto& b) { return a.instance < b.instance; });
  if (c.json) {
    nlohmann::json j;
    j["instances_answered"] = views.size();
    j["instances_expected"] = got->expected;
    auto& arr = j["answers"] = nlohmann::json::array();
    for (auto& v : views)
      arr.push_back(to_json(v));
    std::printf("%s\n", j.dump(2).c_str());
    return ok;
  }
  bool clustered = std::any_of(views.begin(), views.end(),
                               [](auto& v) { return v.clustered; });
  if (!clustered) {
    for (auto& v : views)
      std::printf("%s: not in a cluster (fraudd without --cluster)\n",
                  v.instance.c_str());
    return ok;
  }
  std::uint32_t partitions = 0;
  std::set<std::string> known;  // instances any answer has seen
  std::set<std::uint32_t> answered_for;
  for (auto& v : views) {
    partitions = std::max(partitions, v.partitions);
    for (auto& i : v.instances)
      known.insert(i.id);
    answered_for.insert(v.owned.begin(), v.owned.end());
  }
  std::printf("%-24s %10s %12s %14s %8s %8s %6s  %s\n", "instance", "owned",
              "active cards", "oldest lease", "claims", "released", "lost",
              "partitions");
  for (auto& v : views) {
    std::uint64_t cards = 0;
    std::int64_t oldest = 0;
    for (auto p : v.owned)
      for (auto& l : v.leases)
        if (l.partition == p) {
          cards += l.active_cards;
          oldest = std::max(oldest, l.written_ms_ago);
        }
    std::printf("%-24s %10zu %12llu %11lld ms %8llu %8llu %6llu  %s\n",
                v.instance.c_str(), v.owned.size(),
                static_cast<unsigned long long>(cards),
                static_cast<long long>(oldest),
                static_cast<unsigned long long>(v.claims),
                static_cast<unsigned long long>(v.releases),
                static_cast<unsigned long long>(v.lost),
                ranges(v.owned).c_str());
    known.erase(v.instance);
  }
  for (auto& id : known)
    std::printf("%-24s (announced, did not answer)\n", id.c_str());
  std::vector<std::uint32_t> orphans;
  for (std::uint32_t p = 0; p < partitions; ++p)
    if (!answered_for.count(p))
      orphans.push_back(p);
  std::printf("%zu instance%s answered; %u of %u partitions owned by them%s%s\n",
              views.size(), views.size() == 1 ? "" : "s",
              partitions - static_cast<std::uint32_t>(orphans.size()),
              partitions, orphans.empty() ? "" : "; not answered for: ",
              orphans.empty() ? "" : ranges(orphans).c_str());
  if (got->incomplete())
    std::fprintf(stderr, "fraudctl: %zu of %u instances answered within the "
                 "timeout\n", views.size(), got->expected);
  return ok;
}

} // namespace fraud::ctl
