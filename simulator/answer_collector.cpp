#include "simulator/answer_collector.hpp"

#include "protocol/codec.hpp"

namespace fraud::simulator {

answer_collector::answer_collector(const replay_set& txs,
                                   std::int64_t timeout_ns, bool by_tx_id)
  : txs_(txs),
    timeout_ns_(timeout_ns),
    intended_(new std::atomic<std::int64_t>[txs.size()]),
    state_(new std::atomic<std::uint8_t>[txs.size()]),
    latency_ns_(txs.size()),
    service_ns_(txs.size()),
    action_(txs.size()),
    rules_(txs.size()) {
  for (std::size_t i = 0; i < txs.size(); ++i) {
    intended_[i].store(0, std::memory_order_relaxed);
    state_[i].store(slot_pending, std::memory_order_relaxed);
  }
  if (by_tx_id) {
    index_.reserve(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i)
      index_.emplace(txs.tx_id(i), static_cast<std::uint32_t>(i));
  }
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

bool answer_collector::decode(const void* data, int size,
                              protocol::decision_outcome& d) {
  return size >= 0
         && protocol::decode_decision_outcome(data,
                                              static_cast<std::size_t>(size), d).ok();
}

void answer_collector::record(std::size_t i,
                              const protocol::decision_outcome& d,
                              std::int64_t now) {
  std::uint32_t rules = 0;
  for (std::size_t k = 0; k < d.rule_count; ++k)
    rules |= tally_.rule_bit(d.rules[k]);
  record(i, d.rejected, d.action, d.service_latency_ns, rules, now);
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
  record(i, true, models::action::decline, 0, 0, now);
}

bool answer_collector::index_of(std::string_view tx_id, std::size_t& i) const {
  auto it = index_.find(tx_id);
  if (it == index_.end())
    return false;
  i = it->second;
  return true;
}

void answer_collector::record(std::size_t i, bool is_rejected,
                              models::action action, std::int64_t service_ns,
                              std::uint32_t rules, std::int64_t now) {
  if (closed_.load(std::memory_order_acquire))
    return;
  auto intended = intended_[i].load(std::memory_order_acquire);
  auto latency = now - intended;
  std::uint8_t outcome = intended == 0           ? slot_late  // not sent yet
                         : latency > timeout_ns_ ? slot_late
                         : is_rejected           ? slot_rejected
                                                 : slot_decided;
  std::uint8_t expected = slot_pending;
  if (!state_[i].compare_exchange_strong(expected, outcome,
                                         std::memory_order_acq_rel)) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (outcome == slot_late)
    return;
  latency_ns_[i] = latency;
  service_ns_[i] = service_ns;
  action_[i] = action;
  rules_[i] = rules;
  answered_.fetch_add(1, std::memory_order_relaxed);
  if (outcome == slot_rejected)
    rejected_.fetch_add(1, std::memory_order_relaxed);
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
  latency.reserve(txs_.size());
  service.reserve(txs_.size());
  for (std::size_t i = 0; i < txs_.size(); ++i) {
    if (intended_[i].load(std::memory_order_acquire) == 0)
      continue;  // never sent
    ++out.sent;
    switch (state_[i].load(std::memory_order_acquire)) {
      case slot_decided:
        ++out.decided;
        latency.push_back(latency_ns_[i]);
        service.push_back(service_ns_[i]);
        tally_.add(txs_.label(i), txs_.attack_id(i), action_[i], rules_[i],
                   txs_.tx_id(i), txs_.card_id(i));
        break;
      case slot_rejected:
        ++out.rejected;
        latency.push_back(latency_ns_[i]);
        break;
      default:
        ++out.lost;
        break;
    }
  }
  out.duplicates = duplicates_.load();
  out.unmatched = unknown_.load();
  out.no_responders = no_responders_.load();
  out.latency = summarize_latency(latency);
  out.service_latency = summarize_latency(service);
  detection = tally_.summarize();
}

} // namespace fraud::simulator
