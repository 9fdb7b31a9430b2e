#include "actors/entity.hpp"

#include "actors/runtime/entity_directory.hpp"

namespace fraud::actors {

namespace {

std::optional<entity_actor> next_stop(entity_probe& probe) {
  while (probe.next < probe.route.size()) {
    auto& stop = probe.route[probe.next++];
    if (stop)
      return stop;
  }
  return std::nullopt;
}

} // namespace

std::optional<entity_actor> first_stop(entity_probe& probe) {
  probe.next = 0;
  return next_stop(probe);
}

entity_actor::behavior_type
entity(entity_actor::stateful_pointer<entity_actor_state> self,
       models::entity_kind kind) {
  return {
    [self, kind](observe_atom,
                 entity_probe& probe) -> caf::result<entity_probe> {
      probe.views[static_cast<std::size_t>(kind)]
        = self->state.entity.observe(probe.use);
      if (auto next = next_stop(probe))
        return self->delegate(*next, observe_atom::value, std::move(probe));
      return std::move(probe);
    },
    [self](declined_atom, std::int64_t time_ms) {
      self->state.entity.declined(time_ms);
    },
    [self](fold_atom, const models::entity_use& use, bool declined) {
      self->state.entity.observe(use);
      if (declined)
        self->state.entity.declined(use.time_ms);
    },
    [self](passivate_atom) { self->quit(); },
  };
}

std::size_t fold(entity_directory& entities,
                 const models::entity_observations& batch,
                 std::string_view own_instance, std::int64_t now_ns) {
  if (batch.instance == own_instance)
    return 0;
  for (auto& o : batch.items)
    for (std::size_t k = 0; k < models::entity_kinds; ++k)
      if (!o.ids[k].empty())
        caf::anon_send(entities.find(static_cast<models::entity_kind>(k),
                                     o.ids[k], now_ns),
                       fold_atom::value, o.use, o.declined);
  return batch.items.size();
}

} // namespace fraud::actors
