#include "service/client/outcome_merge.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "service/client/merge_detail.hpp"

namespace fraud::service {

namespace {

using merge_detail::failed;
using merge_detail::first_failure;
using merge_detail::merged_origin;

// The shared key of a row, newest first: larger sorts earlier.
using row_key = std::tuple<std::int64_t, std::string, std::string>;

row_key key_of(const protocol::review_case& c) {
  return {c.opened_at_ms, "", c.tx_id};
}

row_key key_of(const protocol::stored_label& l) {
  return {l.value.at_ms, l.value.source, l.value.tx_id};
}

// The oldest key the merge may show: the last row of every answer that
// has more after it (the rows past it there are unseen). Rows older than
// that wait for the next page.
template <class Reply, class Rows>
std::optional<row_key> horizon(const std::vector<Reply>& replies,
                               Rows rows) {
  std::optional<row_key> out;
  for (auto& r : replies) {
    auto& mine = rows(r);
    if (r.next_cursor.empty() || mine.empty())
      continue;
    auto k = key_of(mine.back());
    if (!out || k > *out)
      out = k;
  }
  return out;
}

// Sorted newest first, cut at the horizon and at `limit`; the cursor goes
// on after the last row shown when anything was left.
template <class Row>
std::string page(std::vector<Row>& rows, std::optional<row_key> cut,
                 bool more_anywhere, std::uint32_t limit) {
  std::stable_sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
    return key_of(a) > key_of(b);
  });
  std::size_t keep = 0;
  while (keep < rows.size() && keep < limit
         && (!cut || key_of(rows[keep]) >= *cut))
    ++keep;
  bool more = more_anywhere || keep < rows.size();
  rows.resize(keep);
  if (!more || rows.empty())
    return {};
  auto [ms, source, tx] = key_of(rows.back());
  return protocol::format_outcome_cursor({ms, source, tx});
}

template <class Reply>
bool any_more(const std::vector<Reply>& replies) {
  return std::any_of(replies.begin(), replies.end(),
                     [](auto& r) { return !r.next_cursor.empty(); });
}

} // namespace

protocol::labels_add_reply
merge_labels_add(const std::vector<protocol::labels_add_reply>& replies,
                 std::uint64_t sent) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  if (replies.size() == 1)
    return replies.front();
  protocol::labels_add_reply out;
  for (auto& r : replies) {
    out.added = std::max(out.added, r.added);
    out.changed = std::max(out.changed, r.changed);
    out.unchanged = std::max(out.unchanged, r.unchanged);
    out.decided += r.decided;
  }
  out.unknown = sent - std::min(sent, out.decided);
  out.origin = merged_origin(replies);
  return out;
}

protocol::case_resolve_reply
merge_resolve(const std::vector<protocol::case_resolve_reply>& replies) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  for (auto& r : replies)
    if (!r.error)
      return r;
  protocol::case_resolve_reply out;
  if (!replies.empty())
    out.error = replies.front().error;  // NOT_FOUND from every instance
  out.origin = merged_origin(replies);
  return out;
}

protocol::cases_reply
merge_cases(const std::vector<protocol::cases_reply>& replies,
            std::uint32_t limit) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  if (replies.size() == 1)
    return replies.front();
  protocol::cases_reply out;
  for (auto& r : replies) {
    out.cases.insert(out.cases.end(), r.cases.begin(), r.cases.end());
    out.open += r.open;
  }
  auto cut = horizon(replies, [](auto& r) -> auto& { return r.cases; });
  out.next_cursor = page(out.cases, cut, any_more(replies), limit);
  out.origin = merged_origin(replies);
  return out;
}

protocol::labels_reply
merge_labels(const std::vector<protocol::labels_reply>& replies,
             std::uint32_t limit, bool unknown_only) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  if (replies.size() == 1)
    return replies.front();
  protocol::labels_reply out;
  // One row a label (tx_id, source), joined where its decision is, and
  // how many answers had it. Its time may differ by a few ms between
  // instances (a sender that left at_ms to fraudd's clock): the earliest.
  std::map<std::pair<std::string, std::string>,
           std::pair<protocol::stored_label, std::size_t>>
    rows;
  std::uint64_t decided = 0;
  for (auto& r : replies) {
    for (auto& l : r.labels) {
      auto [it, fresh] =
        rows.try_emplace({l.value.tx_id, l.value.source}, l, 0);
      auto& [row, seen] = it->second;
      ++seen;
      if (fresh)
        continue;
      auto at = std::min(row.value.at_ms, l.value.at_ms);
      if (l.decided && !row.decided)
        row = l;
      row.value.at_ms = at;
    }
    out.labelled = std::max(out.labelled, r.labelled);
    decided += r.labelled - std::min(r.labelled, r.unknown);
  }
  out.unknown = out.labelled - std::min(out.labelled, decided);
  auto cut = horizon(replies, [](auto& r) -> auto& { return r.labels; });
  for (auto& [key, row] : rows) {
    // Unknown to every instance: each one listed it (within the horizon,
    // each listed every unknown label it holds).
    if (unknown_only && row.second < replies.size())
      continue;
    out.labels.push_back(std::move(row.first));
  }
  out.next_cursor = page(out.labels, cut, any_more(replies), limit);
  out.origin = merged_origin(replies);
  return out;
}

protocol::performance_reply
merge_performance(const std::vector<protocol::performance_reply>& replies) {
  if (auto* bad = first_failure(replies))
    return failed(replies, *bad);
  if (replies.size() == 1)
    return replies.front();
  protocol::performance_reply out;
  std::map<std::pair<bool, std::string>, protocol::rule_performance> rules;
  for (auto& r : replies) {
    out.decisions += r.decisions;
    out.fraud += r.fraud;
    out.legit += r.legit;
    out.labelled = std::max(out.labelled, r.labelled);
    out.labelled_decided += r.labelled_decided;
    for (auto& p : r.rules) {
      auto& m = rules[{p.shadow, p.rule}];
      m.rule = p.rule;
      m.shadow = p.shadow;
      m.fired += p.fired;
      m.fraud += p.fraud;
      m.legit += p.legit;
    }
  }
  for (auto& [key, p] : rules)
    out.rules.push_back(std::move(p));
  protocol::complete_rule_figures(out.rules, out.fraud);
  out.origin = merged_origin(replies);
  return out;
}

} // namespace fraud::service
