#include "service/client/query_merge.hpp"

#include <algorithm>
#include <map>

#include "protocol/merged_cursor.hpp"
#include "protocol/request_limits.hpp"
#include "service/client/merge_detail.hpp"

namespace fraud::service {

namespace {

using protocol::decision_view;

using merge_detail::failed;
using merge_detail::first_failure;
using merge_detail::merged_origin;

// One instance's page in the merge: its rows, and how far the merge read.
struct source {
  const std::string* instance;
  const std::vector<decision_view>* rows;
  const std::vector<std::string>* cursors;
  const std::string* next;  // "" = nothing after its rows
  std::size_t taken = 0;

  bool has_row() const { return taken < rows->size(); }
  // Its next row is unknown, so nothing older may be shown before it.
  bool blocks() const { return !has_row() && !next->empty(); }
  std::string position() const {
    if (has_row())
      return (*cursors)[taken];
    return next->empty() ? protocol::merged_cursor::exhausted : *next;
  }
};

struct merged_rows {
  std::vector<decision_view> rows;
  std::string next_cursor;
};

bool plain(std::size_t answers, std::uint32_t largest_instances,
           const std::string& asked) {
  return answers == 1 && largest_instances <= 1
         && !protocol::is_merged_cursor(asked);
}

// A k-way merge, newest decided_at_ms first (ties: instance name, then
// each instance's own order), that stops at `limit` or where an instance
// whose next rows are unknown could come next.
merged_rows merge_rows(std::vector<source> sources, std::uint32_t limit,
                       const std::string& asked) {
  merged_rows out;
  std::sort(sources.begin(), sources.end(),
            [](auto& a, auto& b) { return *a.instance < *b.instance; });
  while (out.rows.size() < limit) {
    if (std::any_of(sources.begin(), sources.end(),
                    [](auto& s) { return s.blocks(); }))
      break;
    source* best = nullptr;
    for (auto& s : sources)
      if (s.has_row()
          && (best == nullptr
              || s.rows->at(s.taken).env.decided_at_ms
                   > best->rows->at(best->taken).env.decided_at_ms))
        best = &s;
    if (best == nullptr)
      break;
    out.rows.push_back(best->rows->at(best->taken++));
  }
  protocol::merged_cursor next;
  bool more = false;
  for (auto& s : sources) {
    next.positions.emplace_back(*s.instance, s.position());
    more = more || next.positions.back().second
                     != protocol::merged_cursor::exhausted;
  }
  // Instances the earlier pages named that did not answer this time keep
  // their place; while the others still give rows.
  protocol::merged_cursor before;
  if (protocol::is_merged_cursor(asked)
      && !protocol::parse_merged_cursor(asked, before)) {
    next.watermark_ms = before.watermark_ms;
    for (auto& [instance, position] : before.positions) {
      bool answered = std::any_of(sources.begin(), sources.end(),
                                  [&](auto& s) {
                                    return *s.instance == instance;
                                  });
      if (!answered && !out.rows.empty()) {
        next.positions.emplace_back(instance, position);
        more = more || position != protocol::merged_cursor::exhausted;
      }
    }
  }
  if (!out.rows.empty())
    next.watermark_ms = out.rows.back().env.decided_at_ms;
  if (more && !out.rows.empty())
    out.next_cursor = protocol::to_string(next);
  return out;
}

template <class Reply>
std::vector<source> sources_of(const std::vector<Reply>& replies) {
  std::vector<source> out;
  for (auto& r : replies)
    out.push_back(source{&r.origin.instance, &r.decisions, &r.cursors,
                         &r.next_cursor});
  return out;
}

// Merging needs a cursor for every row; an answer without them (a fraudd
// from before merged queries) cannot be paged into the others.
template <class Reply>
const Reply* without_cursors(const std::vector<Reply>& replies) {
  for (auto& r : replies)
    if (r.cursors.size() != r.decisions.size())
      return &r;
  return nullptr;
}

template <class Reply>
std::uint32_t largest_instances(const std::vector<Reply>& replies) {
  std::uint32_t n = 0;
  for (auto& r : replies)
    n = std::max(n, r.origin.instances);
  return n;
}

fraud::error old_instance(const std::string& instance) {
  return fraud::error{ec::internal,
                      "instance '" + instance
                        + "' gives no row cursors (a fraudd from before "
                          "merged queries): its answer cannot be merged"};
}

} // namespace

protocol::decision_reply
merge_decision(const std::vector<protocol::decision_reply>& replies) {
  const protocol::decision_reply* first = nullptr;
  for (auto& r : replies)
    if (r.decision
        && (first == nullptr
            || r.decision->env.decided_at_ms
                 < first->decision->env.decided_at_ms))
      first = &r;
  if (first != nullptr)
    return *first;
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  protocol::decision_reply out;
  if (!replies.empty())
    out.error = replies.front().error;  // NOT_FOUND from every instance
  out.origin = merged_origin(replies);
  return out;
}

protocol::decisions_reply
merge_decisions(const std::vector<protocol::decisions_reply>& replies,
                std::uint32_t limit, const std::string& asked) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  if (plain(replies.size(), largest_instances(replies), asked))
    return replies.front();
  protocol::decisions_reply out;
  if (auto* old = without_cursors(replies)) {
    out.error = old_instance(old->origin.instance);
    return out;
  }
  auto merged = merge_rows(sources_of(replies), limit, asked);
  out.decisions = std::move(merged.rows);
  out.next_cursor = std::move(merged.next_cursor);
  out.origin = merged_origin(replies);
  return out;
}

protocol::card_reply
merge_card(const std::vector<protocol::card_reply>& replies,
           std::uint32_t limit) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  if (plain(replies.size(), largest_instances(replies), {}))
    return replies.front();
  protocol::card_reply out;
  auto known = std::find_if(replies.begin(), replies.end(),
                            [](auto& r) { return !r.error; });
  if (known == replies.end()) {  // NOT_FOUND: neither state nor decisions
    out = replies.front();
    out.origin = merged_origin(replies);
    return out;
  }
  if (auto* old = without_cursors(replies)) {
    out.error = old_instance(old->origin.instance);
    return out;
  }
  const protocol::card_reply* holder = nullptr;
  for (auto& r : replies)
    if (!r.error && r.active
        && (holder == nullptr
            || r.card.last_event_ms > holder->card.last_event_ms))
      holder = &r;
  out.card_id = known->card_id;
  if (holder != nullptr) {
    out.active = true;
    out.card = holder->card;
  }
  // An instance that does not know the card has no rows and no next
  // cursor: the merged cursor marks it exhausted.
  auto merged = merge_rows(sources_of(replies), limit, {});
  out.decisions = std::move(merged.rows);
  out.next_cursor = std::move(merged.next_cursor);
  out.origin = merged_origin(replies);
  return out;
}

namespace {

using stats = protocol::stats_reply;

void add_latency(protocol::latency_summary& to,
                 const protocol::latency_summary& from) {
  to.count += from.count;
  to.p50_us = std::max(to.p50_us, from.p50_us);
  to.p90_us = std::max(to.p90_us, from.p90_us);
  to.p99_us = std::max(to.p99_us, from.p99_us);
  to.p999_us = std::max(to.p999_us, from.p999_us);
  to.max_us = std::max(to.max_us, from.max_us);
}

// Everything that adds up over instances.
constexpr std::uint64_t stats::*summed[] = {
  &stats::received,          &stats::approved,
  &stats::reviewed,          &stats::declined,
  &stats::rejected,          &stats::rejected_malformed,
  &stats::rejected_invalid,  &stats::rejected_subject,
  &stats::rejected_shutdown, &stats::duplicates,
  &stats::active_cards,      &stats::cards_activated,
  &stats::store_backlog,     &stats::store_written,
  &stats::store_dropped,     &stats::store_errors,
  &stats::nats_dropped,      &stats::publish_errors,
  &stats::passivations,      &stats::restored,
  &stats::snapshot_backlog,  &stats::snapshots_written,
  &stats::snapshot_errors,   &stats::snapshot_corrupt,
  &stats::snapshot_dropped,  &stats::ingress_pending,
  &stats::ingress_pending_bytes, &stats::slow_consumer_events,
  &stats::resend_reads,      &stats::resend_refused,
  &stats::requests_limited,  &stats::cases_opened,
  &stats::cases_resolved,    &stats::rejected_overloaded,
  &stats::store_backlog_bytes, &stats::snapshot_backlog_bytes,
  &stats::entities_active,   &stats::entities_activated,
  &stats::entity_passivations, &stats::entity_misses,
  &stats::entity_observations_sent, &stats::entity_observations_dropped,
  &stats::entity_observations_received, &stats::entity_observations_refused,
};

} // namespace

protocol::stats_reply
merge_stats(const std::vector<protocol::stats_reply>& replies) {
  if (replies.size() == 1)
    return replies.front();
  stats out;
  std::map<std::string, std::uint64_t> hits;
  std::vector<std::string> rulesets, models;
  for (auto& s : replies) {
    for (auto field : summed)
      out.*field += s.*field;
    out.uptime_ms = std::max(out.uptime_ms, s.uptime_ms);
    out.ingress_pending_max = std::max(out.ingress_pending_max,
                                       s.ingress_pending_max);
    out.queue_delay_ms = std::max(out.queue_delay_ms, s.queue_delay_ms);
    out.queue_delay_max_ms = std::max(out.queue_delay_max_ms,
                                      s.queue_delay_max_ms);
    // Every instance stores every label: the same ones, not more of them.
    out.labels_added = std::max(out.labels_added, s.labels_added);
    out.labels_unchanged = std::max(out.labels_unchanged, s.labels_unchanged);
    out.labels_refused = std::max(out.labels_refused, s.labels_refused);
    add_latency(out.latency_last_minute, s.latency_last_minute);
    add_latency(out.latency_since_start, s.latency_since_start);
    for (auto& [rule, n] : s.rule_hits)
      hits[rule] += n;
    // Each instance refuses a bad model sent to all of them: the same one.
    out.models_refused = std::max(out.models_refused, s.models_refused);
    if (std::find(rulesets.begin(), rulesets.end(), s.ruleset_version)
        == rulesets.end())
      rulesets.push_back(s.ruleset_version);
    if (std::find(models.begin(), models.end(), s.model_version)
        == models.end())
      models.push_back(s.model_version);
  }
  out.rule_hits.assign(hits.begin(), hits.end());
  std::stable_sort(out.rule_hits.begin(), out.rule_hits.end(),
                   [](auto& a, auto& b) { return a.second > b.second; });
  if (out.rule_hits.size() > protocol::max_stats_rule_hits)
    out.rule_hits.resize(protocol::max_stats_rule_hits);
  // The versions the instances run, "a,b" when they differ.
  auto distinct = [](std::vector<std::string>& names, std::string& into) {
    std::sort(names.begin(), names.end());
    for (auto& n : names)
      into += (into.empty() ? "" : ",") + n;
  };
  distinct(rulesets, out.ruleset_version);
  distinct(models, out.model_version);
  out.origin = merged_origin(replies);
  return out;
}

} // namespace fraud::service
