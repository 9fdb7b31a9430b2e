#include "actors/snapshot_store.hpp"

#include <cstdio>
#include <vector>

namespace fraud::actors {

namespace {

void take_queue(snapshot_store_state& st, const snapshot_environment& env) {
  while (auto* n = env.queue->pop()) {
    std::string_view card, bytes;
    if (decode_snapshot_record(n->payload(), card, bytes))
      st.pending[std::string{card}].assign(bytes.data(), bytes.size());
    else
      env.stats->snapshot_errors.add();
    store_queue::release(n);
  }
}

std::size_t write_pending(snapshot_store_state& st,
                          const snapshot_environment& env) {
  take_queue(st, env);
  if (st.pending.empty())
    return 0;
  std::vector<std::pair<std::string_view, std::string_view>> batch;
  batch.reserve(st.pending.size());
  for (auto& [card, bytes] : st.pending)
    batch.emplace_back(card, bytes);
  auto n = st.pending.size();
  if (auto err = env.backend->write(batch)) {
    // Kept pending: the next tick tries again; the queue behind it is
    // bounded, so a lasting failure shows as snapshot_dropped.
    env.stats->snapshot_errors.add();
    std::fprintf(stderr, "fraud: snapshot store: writing %zu snapshots "
                 "failed: %s\n", n, caf::to_string(err).c_str());
    return 0;
  }
  env.stats->snapshots_written.add(n);
  st.pending.clear();
  return n;
}

} // namespace

void encode_snapshot_record(std::string_view card_id,
                            std::string_view snapshot, std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(card_id.size()));
  out.append(card_id);
  out.append(snapshot);
}

bool decode_snapshot_record(std::string_view record, std::string_view& card_id,
                            std::string_view& snapshot) {
  if (record.empty())
    return false;
  auto n = static_cast<unsigned char>(record[0]);
  if (n == 0 || record.size() < 1 + n)
    return false;
  card_id = record.substr(1, n);
  snapshot = record.substr(1 + n);
  return true;
}

snapshot_store_actor::behavior_type
snapshot_store(snapshot_store_actor::stateful_pointer<snapshot_store_state> self,
               snapshot_environment env) {
  self->delayed_send(self, env.interval, tick_atom::value);
  return {
    [self, env](tick_atom) {
      write_pending(self->state, env);
      self->delayed_send(self, env.interval, tick_atom::value);
    },
    [self, env](flush_atom) -> std::uint64_t {
      write_pending(self->state, env);
      return env.stats->snapshots_written.get();
    },
    [self, env](load_atom, std::string& card_id) -> std::string {
      take_queue(self->state, env);
      auto i = self->state.pending.find(card_id);
      if (i != self->state.pending.end())
        return i->second;
      auto found = env.backend->read(card_id);
      if (!found) {
        env.stats->snapshot_errors.add();
        std::fprintf(stderr, "fraud: snapshot store: reading %s failed: %s\n",
                     card_id.c_str(), caf::to_string(found.error()).c_str());
        return {};
      }
      return std::move(*found);
    },
  };
}

} // namespace fraud::actors
