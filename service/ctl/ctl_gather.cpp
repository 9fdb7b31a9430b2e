#include "service/ctl/ctl_gather.hpp"

#include <algorithm>
#include <cstdio>

#include "protocol/outcome_codec.hpp"
#include "protocol/query_codec.hpp"
#include "service/client/gather.hpp"

namespace fraud::ctl {

void answered_by::add(const std::string& instance) {
  if (std::find(instances.begin(), instances.end(), instance)
      == instances.end())
    instances.push_back(instance);
}

template <class Reply, class Query>
fraud::expected<answers<Reply>>
ask_all(service::nats_connection& conn, const common_options& c,
        const std::string& subject, const Query& query, answered_by& who) {
  std::string payload;
  protocol::encode(query, payload);
  service::gather_options options;
  options.timeout_ms = c.timeout_ms;
  options.min_instances = c.instances;
  if (role_for(subject) == service::nats_role::analyst)
    options.prepare = [&](natsMsg* msg) {
      return sign_change(c, subject, payload, msg);
    };
  auto got = service::gather(conn, subject, payload, options);
  if (!got) {
    std::fprintf(stderr, "fraudctl: %s\n", got.error().what().c_str());
    return got.error();
  }
  answers<Reply> out;
  for (auto& r : got->replies) {
    auto reply = decode_reply<Reply>(subject, r.bytes);
    if (!reply)  // decode_reply() has said why
      return reply.error();
    who.add(r.instance);
    out.replies.push_back(std::move(*reply));
  }
  // Two fraudd that each count only themselves still make two.
  who.expected = std::max({who.expected, got->expected,
                           static_cast<std::uint32_t>(got->replies.size())});
  who.incomplete = who.incomplete || got->incomplete();
  return out;
}

#define FRAUD_CTL_ASKS_ALL(Reply, Query)                                      \
  template fraud::expected<answers<protocol::Reply>>                          \
  ask_all<protocol::Reply>(service::nats_connection&, const common_options&, \
                           const std::string&, const protocol::Query&,        \
                           answered_by&);
FRAUD_CTL_ASKS_ALL(decision_reply, decision_query)
FRAUD_CTL_ASKS_ALL(card_reply, card_query)
FRAUD_CTL_ASKS_ALL(decisions_reply, decisions_query)
FRAUD_CTL_ASKS_ALL(stats_reply, stats_query)
FRAUD_CTL_ASKS_ALL(labels_add_reply, labels_add)
FRAUD_CTL_ASKS_ALL(case_resolve_reply, case_resolve)
FRAUD_CTL_ASKS_ALL(cases_reply, cases_query)
FRAUD_CTL_ASKS_ALL(labels_reply, labels_query)
FRAUD_CTL_ASKS_ALL(performance_reply, performance_query)
#undef FRAUD_CTL_ASKS_ALL

namespace {

std::string names(const answered_by& who) {
  std::string out;
  for (auto& n : who.instances)
    out += (out.empty() ? "" : ", ") + (n.empty() ? "(unnamed)" : n);
  return out;
}

} // namespace

void print_answered(const answered_by& who) {
  if (who.incomplete)
    std::fprintf(stderr,
                 "fraudctl: %zu of %u instances answered within the "
                 "timeout: the answer may be incomplete\n",
                 who.instances.size(), who.expected);
  if (who.several())
    std::printf("%zu instance%s answered (%s)\n", who.instances.size(),
                who.instances.size() == 1 ? "" : "s", names(who).c_str());
}

void add_answered(nlohmann::json& j, const answered_by& who) {
  j["instances_answered"] = who.instances.size();
  j["instances_expected"] = who.expected;
  j["answered_by"] = who.instances;
}

} // namespace fraud::ctl
