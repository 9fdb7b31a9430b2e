#include "simulator/answer_collector.hpp"

#include "protocol/codec.hpp"
#include "simulator/failover_gap.hpp"

namespace fraud::simulator {

answer_collector::answer_collector(const replay_set& txs,
                                   std::int64_t deadline_ns, bool by_tx_id)
  : txs_(txs),
    deadline_ns_(deadline_ns),
    intended_(new std::atomic<std::int64_t>[txs.size()]),
    state_(new std::atomic<std::uint8_t>[txs.size()]),
    resent_(new std::atomic<std::uint8_t>[txs.size()]),
    first_failure_(new std::atomic<std::int64_t>[txs.size()]),
    latency_ns_(txs.size()),
    service_ns_(txs.size()),
    rules_(txs.size()) {
  for (std::size_t i = 0; i < txs.size(); ++i) {
    intended_[i].store(0, std::memory_order_relaxed);
    state_[i].store(slot_pending, std::memory_order_relaxed);
    resent_[i].store(0, std::memory_order_relaxed);
    first_failure_[i].store(0, std::memory_order_relaxed);
  }
  if (by_tx_id) {
    index_.reserve(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i)
      index_.emplace(txs.tx_id(i), static_cast<std::uint32_t>(i));
  }
  timeline_.emplace(0, 1);
}

void answer_collector::begin(std::int64_t start_ns, std::size_t seconds) {
  timeline_.emplace(start_ns, seconds);
}

void answer_collector::on_reply(std::size_t i, const void* data, int size,
                                std::int64_t now) {
  protocol::decision_outcome d;
  // a refusal may not name the transaction; a decision must
  bool ok = i < txs_.size() && decode(data, size, d)
            && (d.tx_id == txs_.tx_id(i) || (d.rejected && d.tx_id.empty()));
  if (ok)
    record(i, d, now);
  else
    unknown_.fetch_add(1, std::memory_order_relaxed);
}

void answer_collector::on_decision(const void* data, int size,
                                   std::int64_t now) {
  protocol::decision_outcome d;
  std::size_t i = 0;
  if (decode(data, size, d) && index_of(d.tx_id, i))
    record(i, d, now);
  else
    unknown_.fetch_add(1, std::memory_order_relaxed);
}

void answer_collector::on_no_responders(std::size_t i, std::int64_t now) {
  no_responders_.fetch_add(1, std::memory_order_relaxed);
  timeline_->add(timeline_event::no_responder, now);
  if (i < txs_.size())
    attempt_failed(i, now);
}

void answer_collector::on_timeout(std::size_t i, std::int64_t attempt_ns,
                                  std::int64_t now) {
  timeouts_.fetch_add(1, std::memory_order_relaxed);
  timeline_->add(timeline_event::timeout, now);
  attempt_failed(i, attempt_ns);
}

void answer_collector::on_resent(std::size_t i, std::int64_t now) {
  retries_.fetch_add(1, std::memory_order_relaxed);
  timeline_->add(timeline_event::retry, now);
  resent_[i].store(1, std::memory_order_release);
}

void answer_collector::attempt_failed(std::size_t i, std::int64_t since_ns) {
  // the earliest, whatever order the failures are reported in
  auto first = first_failure_[i].load(std::memory_order_relaxed);
  while ((first == 0 || since_ns < first)
         && !first_failure_[i].compare_exchange_weak(
           first, since_ns, std::memory_order_relaxed)) {
  }
}

bool answer_collector::decode(const void* data, int size,
                              protocol::decision_outcome& d) {
  return size >= 0
         && protocol::decode_decision_outcome(data,
                                              static_cast<std::size_t>(size), d).ok();
}

void answer_collector::record(std::size_t i,
                              const protocol::decision_outcome& d,
                              std::int64_t now) {
  answer a;
  a.rejected = d.rejected;
  a.duplicate = d.duplicate;
  a.action = d.action;
  a.service_ns = d.service_latency_ns;
  for (std::size_t k = 0; k < d.rule_count; ++k)
    a.rules |= tally_.rule_bit(d.rules[k]);
  record(i, a, now);
}

void answer_collector::on_rejection(const void* data, int size,
                                    std::int64_t now) {
  protocol::rejection r;
  std::size_t i = 0;
  if (size < 0
      || !protocol::decode_rejection(data, static_cast<std::size_t>(size), r).ok()
      || !index_of(r.tx_id, i)) {
    unknown_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  answer a;
  a.rejected = true;
  a.action = models::action::decline;
  record(i, a, now);
}

bool answer_collector::index_of(std::string_view tx_id, std::size_t& i) const {
  auto it = index_.find(tx_id);
  if (it == index_.end())
    return false;
  i = it->second;
  return true;
}

void answer_collector::record(std::size_t i, const answer& a,
                              std::int64_t now) {
  if (closed_.load(std::memory_order_acquire))
    return;
  auto intended = intended_[i].load(std::memory_order_acquire);
  auto latency = now - intended;
  std::uint8_t outcome = intended == 0            ? slot_late  // not sent yet
                         : latency > deadline_ns_ ? slot_late
                         : a.rejected             ? slot_rejected
                                                  : slot_decided;
  auto action = static_cast<std::uint8_t>(static_cast<std::uint8_t>(a.action) & 3);
  std::uint8_t fresh = !a.rejected && !a.duplicate ? fresh_bit : 0;
  auto prev = state_[i].load(std::memory_order_acquire);
  bool first = false;
  std::uint8_t next = 0;
  do {
    first = kind(prev) == slot_pending;
    next = first ? static_cast<std::uint8_t>(outcome | (action << 2) | fresh)
                 : static_cast<std::uint8_t>(prev | fresh);
  } while (!state_[i].compare_exchange_weak(prev, next,
                                            std::memory_order_acq_rel));
  if (!first) {
    // A second answer: a re-send answered too, or a reply that was only slow.
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    if (fresh != 0 && (prev & fresh_bit) != 0)
      decided_twice_.fetch_add(1, std::memory_order_relaxed);
    if (!a.rejected && kind(prev) == slot_decided && action_of(prev) != action)
      conflicting_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (outcome == slot_late)
    return;
  latency_ns_[i] = latency;
  service_ns_[i] = a.service_ns;
  rules_[i] = a.rules;
  answered_.fetch_add(1, std::memory_order_relaxed);
  if (outcome == slot_rejected)
    rejected_.fetch_add(1, std::memory_order_relaxed);
  if (a.duplicate)
    answered_duplicate_.fetch_add(1, std::memory_order_relaxed);
  timeline_->add(timeline_event::answered, now);
  if (resent_[i].load(std::memory_order_acquire) != 0)
    timeline_->add(timeline_event::after_retry, now);
  auto last = last_answer_.load(std::memory_order_relaxed);
  while (now > last
         && !last_answer_.compare_exchange_weak(last, now,
                                                std::memory_order_relaxed)) {
  }
}

void answer_collector::summarize(replay_figures& out,
                                 detection_summary& detection) {
  std::vector<std::int64_t> latency;
  std::vector<std::int64_t> service;
  std::vector<trouble_span> troubles;
  latency.reserve(txs_.size());
  service.reserve(txs_.size());
  for (std::size_t i = 0; i < txs_.size(); ++i) {
    auto due = intended_[i].load(std::memory_order_acquire);
    if (due == 0)
      continue;  // never sent
    ++out.sent;
    auto state = state_[i].load(std::memory_order_acquire);
    bool answered = kind(state) == slot_decided || kind(state) == slot_rejected;
    if (answered && resent_[i].load(std::memory_order_acquire) != 0)
      ++out.answered_after_retry;
    else if (answered)
      ++out.answered_first;
    switch (kind(state)) {
      case slot_decided:
        ++out.decided;
        latency.push_back(latency_ns_[i]);
        service.push_back(service_ns_[i]);
        tally_.add(txs_.label(i), txs_.attack_id(i),
                   static_cast<models::action>(action_of(state)), rules_[i],
                   txs_.tx_id(i), txs_.card_id(i));
        break;
      case slot_rejected:
        ++out.rejected;
        latency.push_back(latency_ns_[i]);
        break;
      default:
        ++out.lost;
        timeline_->add(timeline_event::lost, due);
        break;
    }
    // Counted lost when its answer deadline passed.
    if (auto failed = first_failure_[i].load(std::memory_order_relaxed))
      troubles.push_back({failed,
                          answered ? due + latency_ns_[i] : due + deadline_ns_,
                          answered});
  }
  out.duplicates = duplicates_.load();
  out.answered_duplicate = answered_duplicate_.load();
  out.decided_twice = decided_twice_.load();
  out.conflicting = conflicting_.load();
  out.unmatched = unknown_.load();
  out.no_responders = no_responders_.load();
  out.timeouts = timeouts_.load();
  out.retries = retries_.load();
  out.latency = summarize_latency(latency);
  out.service_latency = summarize_latency(service);
  out.timeline = timeline_->seconds();
  out.gaps = summarize_gaps(gap_episodes(std::move(troubles)),
                            timeline_->start_ns());
  detection = tally_.summarize();
}

} // namespace fraud::simulator
