#include "actors/snapshot_writer.hpp"

#include <algorithm>
#include <cstdio>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"

namespace fraud::actors {

namespace {

// Writes one chunk (of the cards `which` says, if set); returns how many
// snapshots it held.
std::size_t write_some(snapshot_writer_state& st,
                       const snapshot_environment& env,
                       const std::function<bool(const std::string&)>& which = {}) {
  env.pending->take(env.max_batch, st.batch, which);
  if (st.batch.empty())
    return 0;
  std::vector<std::pair<std::string_view, std::string_view>> rows;
  rows.reserve(st.batch.size());
  for (auto& it : st.batch)
    rows.emplace_back(it.card_id, it.bytes);
  if (auto err = env.backend->write(rows)) {
    // Kept pending: the next tick tries again; the queue in front is
    // bounded, so a lasting failure shows as snapshot_dropped.
    env.stats->snapshot_errors.add();
    FRAUD_LOG_LIMITED(6, err, "snapshots", "writing {} snapshots failed: {}",
                      rows.size(), fraud::to_string(err));
    return 0;
  }
  env.stats->snapshots_written.add(st.batch.size());
  env.pending->written(st.batch);
  return st.batch.size();
}

} // namespace

snapshot_writer_actor::behavior_type
snapshot_writer(snapshot_writer_actor::stateful_pointer<snapshot_writer_state> self,
                snapshot_environment env) {
  auto tick = std::min(env.interval, env.absorb_interval);
  auto ticks_per_write = static_cast<std::size_t>(env.interval / tick);
  self->delayed_send(self, tick, tick_atom::value);
  return {
    [self, env, tick, ticks_per_write](tick_atom) {
      setup_this_thread_once("fraud-snapshots", env.thread_nice);
      auto& st = self->state;
      if (++st.ticks_since_write < ticks_per_write) {
        env.pending->absorb_queue();
        self->delayed_send(self, tick, tick_atom::value);
        return;
      }
      st.ticks_since_write = 0;
      // The cards changed in this interval, each encoded once, however
      // many transactions it had; not again for the next chunk of a
      // backlog, unless an interval has passed (a writer behind for long
      // still takes the changed cards in, and lets go of the stopped ones).
      auto now = std::chrono::steady_clock::now();
      if (!st.writing_backlog || now - st.last_encode >= env.interval) {
        env.pending->encode_dirty();
        st.last_encode = now;
      }
      // A backlog is written chunk after chunk, one per message.
      st.writing_backlog = write_some(st, env) == env.max_batch;
      if (st.writing_backlog) {
        st.ticks_since_write = ticks_per_write;
        self->send(self, tick_atom::value);
      } else {
        self->delayed_send(self, tick, tick_atom::value);
      }
    },
    [self, env](flush_atom) -> std::uint64_t {
      env.pending->encode_dirty();
      while (write_some(self->state, env) == env.max_batch)
        ;
      return env.stats->snapshots_written.get();
    },
    [self, env](flush_atom, std::uint32_t group) -> std::uint64_t {
      // After whatever chunk was being written (this actor's messages are
      // handled one at a time): nothing of the group's written before this
      // can land after it.
      std::function<bool(const std::string&)> in_group;
      if (env.group_of)
        in_group = [&](const std::string& card) {
          return env.group_of(card) == group;
        };
      env.pending->encode_dirty(in_group);
      while (write_some(self->state, env, in_group) == env.max_batch)
        ;
      return env.stats->snapshots_written.get();
    },
  };
}

} // namespace fraud::actors
