#include "actors/snapshot_store.hpp"

#include <algorithm>
#include <cstdio>

#include "actors/thread_setup.hpp"

namespace fraud::actors {

pending_snapshots::pending_snapshots(store_queue& queue, counters& stats)
  : queue_(queue), stats_(stats) {
}

void pending_snapshots::absorb() {
  while (auto* n = queue_.pop()) {
    std::string_view card, bytes;
    if (decode_snapshot_record(n->payload(), card, bytes)) {
      auto& e = pending_[std::string{card}];
      e.bytes.assign(bytes.data(), bytes.size());
      e.version = ++next_version_;
    } else {
      stats_.snapshot_errors.add();
    }
    store_queue::release(n);
  }
}

bool pending_snapshots::find(const std::string& card_id, std::string& out) {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  auto i = pending_.find(card_id);
  if (i == pending_.end())
    return false;
  out = i->second.bytes;
  return true;
}

void pending_snapshots::take(std::size_t max, std::vector<item>& out) {
  out.clear();
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  for (auto& [card, e] : pending_) {
    if (out.size() == max)
      break;
    out.push_back(item{card, e.bytes, e.version});
  }
}

void pending_snapshots::written(const std::vector<item>& batch) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& it : batch) {
    auto i = pending_.find(it.card_id);
    if (i != pending_.end() && i->second.version == it.version)
      pending_.erase(i);
  }
}

void pending_snapshots::absorb_queue() {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
}

std::size_t pending_snapshots::size() {
  std::lock_guard<std::mutex> guard{mtx_};
  return pending_.size() + queue_.size();
}

namespace {

// Writes one chunk; returns how many snapshots it held.
std::size_t write_some(snapshot_writer_state& st,
                       const snapshot_environment& env) {
  env.pending->take(env.max_batch, st.batch);
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
    std::fprintf(stderr, "fraud: snapshot writer: writing %zu snapshots "
                 "failed: %s\n", rows.size(), caf::to_string(err).c_str());
    return 0;
  }
  env.stats->snapshots_written.add(st.batch.size());
  env.pending->written(st.batch);
  return st.batch.size();
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
  if (n == 0 || record.size() < 1u + n)
    return false;
  card_id = record.substr(1, n);
  snapshot = record.substr(1 + n);
  return true;
}

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
      // A backlog is written chunk after chunk, one per message.
      if (write_some(st, env) == env.max_batch) {
        st.ticks_since_write = ticks_per_write;
        self->send(self, tick_atom::value);
      } else {
        self->delayed_send(self, tick, tick_atom::value);
      }
    },
    [self, env](flush_atom) -> std::uint64_t {
      while (write_some(self->state, env) == env.max_batch)
        ;
      return env.stats->snapshots_written.get();
    },
  };
}

caf::expected<std::string> find_snapshot(pending_snapshots& pending,
                                         snapshot_backend& reads,
                                         const std::string& card_id) {
  std::string out;
  // Pending first: nothing newer can arrive for a card that is being
  // activated, so what is not pending is on disk or nowhere.
  if (pending.find(card_id, out))
    return out;
  return reads.read(card_id);
}

} // namespace fraud::actors
