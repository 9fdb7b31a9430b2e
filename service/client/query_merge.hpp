// The answers of several instances to one query, merged into the answer a
// single store would have given (README: Queries across instances). Pure
// functions of the decoded replies: no NATS, so they are tested alone.
//
// - A decision (fraud.query.decision): the first one made, when more than
//   one instance holds the tx_id (a transaction re-sent after a failover);
//   NOT_FOUND only when no instance has it.
// - Decisions (fraud.query.decisions, and the card's in fraud.query.card):
//   newest first by decided_at_ms over every instance, at most `limit`,
//   with a merged cursor (protocol/merged_cursor.hpp) that goes on from
//   each instance's own position.
// - Stats (fraud.stats): counters summed; see merge_stats for the rest.
//
// An answer that failed (not NOT_FOUND) fails the merge: an incomplete
// answer is not passed off as the whole one. Its error names the instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/query_codec.hpp"

namespace fraud::service {

protocol::decision_reply
merge_decision(const std::vector<protocol::decision_reply>& replies);

/// `asked` is the cursor the request carried. A lone instance's answer
/// outside a cluster (one reply, instances <= 1, `asked` not merged) is
/// returned as it is, plain cursor and all; anything else gets a merged
/// cursor.
protocol::decisions_reply
merge_decisions(const std::vector<protocol::decisions_reply>& replies,
                std::uint32_t limit, const std::string& asked);

/// The card's state from the instance that holds it now (active; the
/// latest event if, in a handover, two still do), its decisions merged as
/// merge_decisions does.
protocol::card_reply
merge_card(const std::vector<protocol::card_reply>& replies,
           std::uint32_t limit);

/// Counters and backlogs are summed, rule hits summed by rule. Uptime,
/// queue delays and ingress_pending_max are the largest of any instance.
/// Latency: counts are summed; each percentile is the largest instance's,
/// an upper bound of the merged percentile (at least that share of every
/// instance's samples, hence of all, lies below it), not the percentile
/// itself, which the per-instance summaries cannot give. ruleset_version
/// is the one they all run, or the different ones joined with ",".
protocol::stats_reply
merge_stats(const std::vector<protocol::stats_reply>& replies);

} // namespace fraud::service
