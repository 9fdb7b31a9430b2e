#include "actors/card_directory.hpp"

#include <caf/send.hpp>

namespace fraud::actors {

card_directory::card_directory(caf::actor_system& sys,
                               const card_environment& env)
  : sys_(sys), env_(env) {
}

void card_directory::route(score_request&& request) {
  auto i = cards_.find(request.tx.card_id);
  if (i == cards_.end()) {
    auto handle = sys_.spawn(card, &env_);
    env_.stats->cards_activated.add();
    i = cards_.emplace(request.tx.card_id, std::move(handle)).first;
  }
  env_.stats->routed.add();
  caf::anon_send(i->second, score_atom::value, std::move(request));
}

} // namespace fraud::actors
