#include "actors/snapshot_store.hpp"

#include <algorithm>
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

// Writes at most max_batch of the pending snapshots; returns how many.
std::size_t write_some(snapshot_store_state& st,
                       const snapshot_environment& env) {
  take_queue(st, env);
  if (st.pending.empty())
    return 0;
  std::vector<std::pair<std::string_view, std::string_view>> batch;
  batch.reserve(std::min(st.pending.size(), env.max_batch));
  for (auto& [card, bytes] : st.pending) {
    if (batch.size() == env.max_batch)
      break;
    batch.emplace_back(card, bytes);
  }
  auto n = batch.size();
  if (auto err = env.backend->write(batch)) {
    // Kept pending: the next tick tries again; the queue behind it is
    // bounded, so a lasting failure shows as snapshot_dropped.
    env.stats->snapshot_errors.add();
    std::fprintf(stderr, "fraud: snapshot store: writing %zu snapshots "
                 "failed: %s\n", n, caf::to_string(err).c_str());
    return 0;
  }
  env.stats->snapshots_written.add(n);
  for (auto& entry : batch) {
    auto i = st.pending.find(std::string{entry.first});
    if (i != st.pending.end())
      st.pending.erase(i);
  }
  return n;
}

std::string read_snapshot(snapshot_backend& backend, counters& stats,
                          const std::string& card_id) {
  auto found = backend.read(card_id);
  if (!found) {
    stats.snapshot_errors.add();
    std::fprintf(stderr, "fraud: snapshot store: reading %s failed: %s\n",
                 card_id.c_str(), caf::to_string(found.error()).c_str());
    return {};
  }
  return std::move(*found);
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

snapshot_reader_actor::behavior_type
snapshot_reader(snapshot_reader_actor::pointer, snapshot_backend* backend,
                counters* stats) {
  return {
    [backend, stats](load_atom, std::string& card_id) {
      return read_snapshot(*backend, *stats, card_id);
    },
  };
}

snapshot_store_actor::behavior_type
snapshot_store(snapshot_store_actor::stateful_pointer<snapshot_store_state> self,
               snapshot_environment env) {
  self->delayed_send(self, env.interval, tick_atom::value);
  return {
    [self, env](tick_atom) {
      // A backlog is written in chunks, one per message, so that loads
      // waiting in the mailbox are answered in between.
      auto n = write_some(self->state, env);
      if (n == env.max_batch && !self->state.pending.empty())
        self->send(self, tick_atom::value);
      else
        self->delayed_send(self, env.interval, tick_atom::value);
    },
    [self, env](flush_atom) -> std::uint64_t {
      while (write_some(self->state, env) == env.max_batch)
        ;
      return env.stats->snapshots_written.get();
    },
    [self, env](load_atom, std::string& card_id) -> caf::result<std::string> {
      take_queue(self->state, env);
      auto i = self->state.pending.find(card_id);
      if (i != self->state.pending.end())
        return i->second;
      // Not pending: on disk or nowhere. Nothing newer can arrive for a
      // card that is being activated, so the reader may answer.
      if (env.reader)
        return self->delegate(env.reader, load_atom::value,
                              std::move(card_id));
      return read_snapshot(*env.backend, *env.stats, card_id);
    },
  };
}

} // namespace fraud::actors
