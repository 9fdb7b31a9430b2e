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

card_actor card_directory::activate(const std::string& card_id,
                                    card_cell_ptr cell) {
  card_activation act;
  act.card_id = card_id;
  act.cell = std::move(cell);
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

void card_directory::passivate(std::size_t index) {
  // The actor queues its snapshot (if it changed since the last one) and
  // stops. Its mailbox keeps the order: anything routed
  // to it before this is scored first. Even inline, a worker stops it: an
  // actor's cleanup (it wakes CAF's clock thread) costs more than the send.
  // The entry leaves the table before its id is moved anywhere: the table
  // finds its slot from the id (moving it out first made every erase scan
  // the slot array: 64 % of the ingress thread with 1M cards at the cap).
  auto e = cards_.erase(index);
  caf::anon_send(e.handle, passivate_atom::value);
  env_.stats->passivations.add();
  if (limits_.handoff_memory > 0) {
    stopping_order_.push_back(e.card_id);
    stopping_[std::move(e.card_id)] = std::move(e.handle);
    while (stopping_order_.size() > limits_.handoff_memory) {
      stopping_.erase(stopping_order_.front());
      stopping_order_.pop_front();
    }
  }
}

void card_directory::route(score_request&& request, std::int64_t now_ns) {
  auto i = cards_.find(request.tx.card_id);
  if (i == card_table::npos) {
    auto cell = caf::make_counted<card_cell>(request.tx.card_id);
    auto actor = activate(request.tx.card_id, cell);
    i = cards_.insert(request.tx.card_id, std::move(actor), std::move(cell));
  }
  auto& e = cards_[i];
  e.cell->prefetch();  // on its way while the rest of this runs
  cards_.touch(i, now_ns);
  env_.stats->routed.add();
  // Inline, a card with nothing in its mailbox is decided right here, on
  // its cell, without a message: what resuming the idle actor on this
  // thread would do, without the mailbox element, the enqueue, the resume
  // and the behavior's dispatch (and the cache lines of the actor they
  // touch). Otherwise the transaction queues behind the card's others.
  if (run_inline_ && score_for_idle_card(*e.cell, env_, request)) {
    ++decided_here_;
  } else {
    e.cell->queued.fetch_add(1, std::memory_order_relaxed);
    auto* actor = caf::actor_cast<caf::abstract_actor*>(e.handle);
    if (run_inline_)
      actor->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(),
                                               {}, score_atom::value,
                                               std::move(request)),
                     &unit_);
    else
      caf::anon_send(e.handle, score_atom::value, std::move(request));
  }
  if (limits_.max_cards > 0 && cards_.size() > limits_.max_cards) {
    // Never the card just routed: it would be stopped at once and
    // activated again by its next transaction.
    auto victim = cards_.victim(i);
    if (victim != card_table::npos)
      passivate(victim);
  }
  active_.store(cards_.size(), std::memory_order_relaxed);
}

std::size_t card_directory::sweep_idle(std::int64_t now_ns) {
  if (limits_.idle_ns <= 0)
    return 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < cards_.size();) {
    if (idle(i, now_ns)) {
      passivate(i);  // the last entry moved to i: look at i again
      ++n;
    } else {
      ++i;
    }
  }
  active_.store(cards_.size(), std::memory_order_relaxed);
  return n;
}

void card_directory::request_sweep(std::int64_t now_ns) {
  if (limits_.idle_ns > 0)
    sweep_at_ns_.store(now_ns, std::memory_order_relaxed);
}

bool card_directory::sweep_slice(std::size_t max_cards) {
  // A request taken now: the pass under way goes on with the newer `now`
  // (what was idle before still is), and the part it has passed gets one
  // more pass.
  auto asked = sweep_at_ns_.exchange(no_sweep, std::memory_order_relaxed);
  if (asked != no_sweep) {
    if (pass_at_ns_ == no_sweep) {
      pass_next_ = 0;
      pass_again_ = false;
    } else {
      pass_again_ = pass_again_ || pass_next_ > 0;
    }
    pass_at_ns_ = std::max(asked, pass_at_ns_);
  }
  if (pass_at_ns_ == no_sweep)
    return false;
  max_cards = std::max<std::size_t>(max_cards, 1);
  std::size_t passivated = 0;
  std::size_t looks = max_cards * sweep_looks_per_card;
  while (passivated < max_cards && looks > 0) {
    if (pass_next_ >= cards_.size()) {
      if (!pass_again_)
        break;
      pass_next_ = 0;
      pass_again_ = false;
    }
    --looks;
    if (idle(pass_next_, pass_at_ns_)) {
      passivate(pass_next_);  // the last entry moved here: look again
      ++passivated;
    } else {
      ++pass_next_;
    }
  }
  active_.store(cards_.size(), std::memory_order_relaxed);
  if (passivated < max_cards && looks > 0) {
    // The pass is done, unless a request came meanwhile: that one is next.
    pass_at_ns_ = no_sweep;
    return sweep_at_ns_.load(std::memory_order_relaxed) != no_sweep;
  }
  return true;
}

std::vector<card_actor> card_directory::release_all() {
  std::vector<card_actor> all;
  all.reserve(cards_.size() + stopping_.size());
  for (auto& e : cards_.take_all())
    all.push_back(std::move(e.handle));
  for (auto& [id, handle] : stopping_)
    all.push_back(std::move(handle));
  pass_at_ns_ = no_sweep;
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
  if (i == card_table::npos)
    return std::nullopt;
  return cards_[i].handle;
}

} // namespace fraud::actors
