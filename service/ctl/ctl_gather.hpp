// fraudctl's side of the queries every instance answers (fraud.query.*,
// fraud.stats): ask once, gather every instance's answer, and say who
// answered. Merging the answers is service/client/query_merge.hpp's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/query_codec.hpp"
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

// Every instance's answer, merged by `merge`; nothing (and the exit code
// in `rc`) when there is no answer or the merged one is an error.
template <class Reply, class Query, class Merge>
std::optional<Reply> ask_merged(service::nats_connection& conn,
                                const common_options& c,
                                const std::string& subject,
                                const Query& query, answered_by& who,
                                Merge merge, int& rc) {
  auto all = ask_all<Reply>(conn, c, subject, query, who);
  if (!all) {
    rc = exit_code(all.error());
    return std::nullopt;
  }
  auto merged = merge(all->replies);
  if constexpr (!std::is_same_v<Reply, protocol::stats_reply>) {
    if (merged.error) {
      report_service_error(merged.error);
      print_answered(who);  // a NOT_FOUND is from every instance that answered
      rc = exit_code(merged.error);
      return std::nullopt;
    }
  }
  return merged;
}

// The same on a connection of its own, for a command that asks once.
template <class Reply, class Query, class Merge>
std::optional<Reply> ask_merged(const common_options& c,
                                const std::string& subject,
                                const Query& query, answered_by& who,
                                Merge merge, int& rc) {
  auto conn = connect(c, role_for(subject));
  if (!conn) {  // connect() has said why
    rc = failure;
    return std::nullopt;
  }
  return ask_merged<Reply>(*conn, c, subject, query, who, merge, rc);
}

} // namespace fraud::ctl
