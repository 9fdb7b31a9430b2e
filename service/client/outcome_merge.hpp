// The answers of several instances to the outcome requests, merged into
// the answer one store would have given (README: Review queue and
// outcomes, In a cluster). Pure functions of the decoded replies.
//
// What the merge relies on: each decision is in one instance's store (the
// one that decided it), every instance running when a label is sent
// stores it (fraud.labels is a plain subscription), and a case and its
// label ("case") are only on the instance that decided the transaction.
//
// - Labels sent: every instance stored the same labels, so added, changed
//   and unchanged are the largest instance's; decided is summed, and
//   unknown is what no instance decided: sent - decided.
// - A resolution: the answer of the instance holding the case; NOT_FOUND
//   only when none does.
// - Cases and labels: newest first over every instance, paged by a cursor
//   they all understand (protocol::outcome_cursor); a label, held by
//   every instance, shows once, joined with the decision where it is.
//   With unknown_only, a label is shown only when no instance decided it.
// - Performance: counts summed per rule and in total; outside labels the
//   largest instance's; missed and precision computed again.
//
// An answer that failed (not NOT_FOUND) fails the merge.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/outcome_codec.hpp"

namespace fraud::service {

protocol::labels_add_reply
merge_labels_add(const std::vector<protocol::labels_add_reply>& replies,
                 std::uint64_t sent);

protocol::case_resolve_reply
merge_resolve(const std::vector<protocol::case_resolve_reply>& replies);

protocol::cases_reply
merge_cases(const std::vector<protocol::cases_reply>& replies,
            std::uint32_t limit);

protocol::labels_reply
merge_labels(const std::vector<protocol::labels_reply>& replies,
             std::uint32_t limit, bool unknown_only);

protocol::performance_reply
merge_performance(const std::vector<protocol::performance_reply>& replies);

} // namespace fraud::service
