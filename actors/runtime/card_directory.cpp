#include "actors/runtime/card_directory.hpp"

#include <algorithm>

#include <caf/send.hpp>

namespace fraud::actors {

card_directory::card_directory(caf::actor_system& sys,
                               const card_environment& env,
                               directory_limits limits, bool run_inline)
  : sys_(sys), env_(env), limits_(limits), run_inline_(run_inline),
    unit_(sys) {
}

card_actor card_directory::activate(const std::string& card_id) {
  card_activation act;
  act.card_id = card_id;
  if (auto i = stopping_.find(card_id); i != stopping_.end()) {
    act.restore = true;
    act.predecessor = std::move(i->second);
    stopping_.erase(i);
  } else if (env_.filter != nullptr) {
    // A card that never had a snapshot starts at once.
    act.restore = env_.filter->maybe_contains(card_id);
    if (!act.restore)
      env_.filter->add(card_id);
  } else {
    // No filter (a cluster): any card may have been written by another
    // instance, so every activation asks the snapshot store.
    act.restore = env_.pending != nullptr && env_.snapshot_reads != nullptr;
  }
  env_.stats->cards_activated.add();
  // Inline, the actor starts on its first message, on the routing thread.
  if (run_inline_)
    return sys_.spawn<caf::lazy_init>(card, &env_, std::move(act));
  return sys_.spawn(card, &env_, std::move(act));
}

void card_directory::passivate(
  std::unordered_map<std::string, entry>::iterator i) {
  // The actor's snapshot went into the queue with its last transaction;
  // passivate only stops it. Its mailbox keeps the order: anything routed
  // to it before this is scored first. Even inline, a worker stops it: an
  // actor's cleanup (it wakes CAF's clock thread) costs more than the send.
  caf::anon_send(i->second.handle, passivate_atom::value);
  env_.stats->passivations.add();
  if (limits_.handoff_memory > 0) {
    stopping_[i->first] = i->second.handle;
    stopping_order_.push_back(i->first);
    while (stopping_order_.size() > limits_.handoff_memory) {
      stopping_.erase(stopping_order_.front());
      stopping_order_.pop_front();
    }
  }
  lru_.erase(i->second.lru);
  cards_.erase(i);
}

void card_directory::route(score_request&& request, std::int64_t now_ns) {
  auto i = cards_.find(request.tx.card_id);
  if (i == cards_.end()) {
    auto handle = activate(request.tx.card_id);
    i = cards_.emplace(request.tx.card_id, entry{std::move(handle), 0, {}})
          .first;
    lru_.push_front(&i->first);
    i->second.lru = lru_.begin();
  } else if (i->second.lru != lru_.begin()) {
    lru_.splice(lru_.begin(), lru_, i->second.lru);
  }
  i->second.last_used_ns = now_ns;
  env_.stats->routed.add();
  if (run_inline_)
    caf::actor_cast<caf::abstract_actor*>(i->second.handle)
      ->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                          score_atom::value,
                                          std::move(request)),
                &unit_);
  else
    caf::anon_send(i->second.handle, score_atom::value, std::move(request));
  if (limits_.max_cards > 0 && cards_.size() > limits_.max_cards) {
    auto victim = cards_.find(*lru_.back());
    passivate(victim);
  }
  active_.store(cards_.size(), std::memory_order_relaxed);
}

std::size_t card_directory::passivate_idle(std::int64_t now_ns,
                                           std::size_t max_cards) {
  std::size_t n = 0;
  // The back of the LRU list is the card idle longest: stop at the first
  // one still in use.
  while (n < max_cards && !lru_.empty()) {
    auto i = cards_.find(*lru_.back());
    if (now_ns - i->second.last_used_ns < limits_.idle_ns)
      break;
    passivate(i);
    ++n;
  }
  active_.store(cards_.size(), std::memory_order_relaxed);
  return n;
}

std::size_t card_directory::sweep_idle(std::int64_t now_ns) {
  if (limits_.idle_ns <= 0)
    return 0;
  return passivate_idle(now_ns, std::numeric_limits<std::size_t>::max());
}

void card_directory::request_sweep(std::int64_t now_ns) {
  if (limits_.idle_ns > 0)
    sweep_at_ns_.store(now_ns, std::memory_order_relaxed);
}

bool card_directory::sweep_slice(std::size_t max_cards) {
  auto at = sweep_at_ns_.load(std::memory_order_relaxed);
  if (at == no_sweep)
    return false;
  max_cards = std::max<std::size_t>(max_cards, 1);
  if (passivate_idle(at, max_cards) == max_cards)
    return true;
  // Done, unless a newer request came meanwhile: that one is next.
  return !sweep_at_ns_.compare_exchange_strong(at, no_sweep,
                                               std::memory_order_relaxed);
}

std::vector<card_actor> card_directory::release_all() {
  std::vector<card_actor> all;
  all.reserve(cards_.size() + stopping_.size());
  for (auto& [id, e] : cards_)
    all.push_back(std::move(e.handle));
  for (auto& [id, handle] : stopping_)
    all.push_back(std::move(handle));
  cards_.clear();
  lru_.clear();
  stopping_.clear();
  stopping_order_.clear();
  active_.store(0, std::memory_order_relaxed);
  return all;
}

void card_directory::answer_lookups() {
  lookups_.answer([this](const std::string& id) { return find(id); });
}

std::optional<card_actor>
card_directory::lookup(const std::string& card_id,
                       std::chrono::milliseconds wait) const {
  return lookups_.ask(card_id, wait);
}

std::optional<card_actor> card_directory::find(const std::string& id) const {
  auto i = cards_.find(id);
  if (i == cards_.end())
    return std::nullopt;
  return i->second.handle;
}

} // namespace fraud::actors
