// fraudctl's side of the queries every instance answers (fraud.query.*,
// fraud.stats): ask once, gather every instance's answer, and say who
// answered. Merging the answers is service/client/query_merge.hpp's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/ctl/ctl.hpp"

namespace fraud::ctl {

/// Who answered the requests of one command (several, with --all).
struct answered_by {
  std::vector<std::string> instances;  // names, first answer first
  std::uint32_t expected = 0;          // the most any answer knew of
  bool incomplete = false;             // a request got fewer than expected

  /// A cluster, or more than one fraudd: worth saying who answered.
  bool several() const { return instances.size() > 1 || expected > 1; }
  void add(const std::string& instance);
};

template <class Reply>
struct answers {
  std::vector<Reply> replies;  // one an instance, each decoded
};

/// Sends `query` on `subject` and gathers every instance's answer within
/// --timeout-ms (service/client/gather.hpp), adding who answered to `who`.
/// When nobody answers or an answer is not a `Reply`, that has been said
/// on stderr and the error is returned. The service's errors stay in the
/// replies, for the merge to weigh.
template <class Reply, class Query>
[[nodiscard]] fraud::expected<answers<Reply>>
ask_all(service::nats_connection& conn, const common_options& c,
        const std::string& subject, const Query& query, answered_by& who);

/// For people: "2 instances answered (a, b)" on stdout when several()
/// (nothing for a single fraudd), and on stderr when fewer answered than
/// the instances knew of.
void print_answered(const answered_by& who);

/// For scripts: "instances_answered" and "answered_by" in `j`.
void add_answered(nlohmann::json& j, const answered_by& who);

} // namespace fraud::ctl
