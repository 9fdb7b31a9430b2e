#include "actors/card_directory.hpp"

#include <caf/send.hpp>

namespace fraud::actors {

card_directory::card_directory(caf::actor_system& sys,
                               const card_environment& env, bool run_inline)
  : sys_(sys), env_(env), run_inline_(run_inline), unit_(sys) {
}

void card_directory::route(score_request&& request) {
  card_actor target;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = cards_.find(request.tx.card_id);
    if (i == cards_.end()) {
      // Inline, the actor starts on its first message, on this thread.
      auto handle = run_inline_ ? sys_.spawn<caf::lazy_init>(card, &env_)
                                : sys_.spawn(card, &env_);
      env_.stats->cards_activated.add();
      i = cards_.emplace(request.tx.card_id, std::move(handle)).first;
    }
    target = i->second;
  }
  env_.stats->routed.add();
  if (run_inline_)
    caf::actor_cast<caf::abstract_actor*>(target)->enqueue(
      caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                score_atom::value, std::move(request)),
      &unit_);
  else
    caf::anon_send(target, score_atom::value, std::move(request));
}

std::optional<card_actor> card_directory::find(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = cards_.find(id);
  if (i == cards_.end())
    return std::nullopt;
  return i->second;
}

std::size_t card_directory::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return cards_.size();
}

} // namespace fraud::actors
