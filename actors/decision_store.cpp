#include "actors/decision_store.hpp"

#include <cstdio>
#include <vector>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"

namespace fraud::actors {

namespace {

void log_error(const char* what, const fraud::error& err, std::size_t n) {
  FRAUD_LOG_LIMITED(6, err, "store", "{} failed for {} decisions: {}", what,
                    n, fraud::to_string(err));
}

void maybe_purge(decision_store_state& st, const store_environment& env) {
  if (env.retention_days <= 0)
    return;
  auto now = std::chrono::steady_clock::now();
  if (now - st.last_purge < env.purge_interval)
    return;
  st.last_purge = now;
  auto wall_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto cutoff = wall_now - std::int64_t{env.retention_days} * 86'400'000;
  if (auto purged = env.backend->purge_before(cutoff); !purged) {
    env.stats->store_errors.add();
    log_error("retention purge", purged.error(), 0);
  }
}

} // namespace

std::size_t drain_queue(const store_environment& env) {
  std::size_t total = 0;
  std::vector<store_queue::node*> nodes;
  std::vector<std::string_view> payloads;
  nodes.reserve(1024);
  payloads.reserve(1024);
  for (;;) {
    nodes.clear();
    payloads.clear();
    while (nodes.size() < env.max_batch) {
      auto* n = env.queue->pop();
      if (n == nullptr)
        break;
      nodes.push_back(n);
      payloads.push_back(n->payload());
    }
    if (nodes.empty())
      break;
    auto written = env.backend->write(payloads);
    if (written) {
      env.stats->store_written.add(nodes.size());
    } else {
      // The batch cannot be kept in memory forever; it is counted and
      // logged, and the service goes on scoring.
      env.stats->store_errors.add(nodes.size());
      log_error("write", written.error(), nodes.size());
    }
    for (auto* n : nodes)
      store_queue::release(n);
    total += nodes.size();
    if (nodes.size() < env.max_batch)
      break;
  }
  return total;
}

decision_store_actor::behavior_type
decision_store(decision_store_actor::stateful_pointer<decision_store_state> self,
               store_environment env) {
  self->state.last_purge = std::chrono::steady_clock::now();
  self->delayed_send(self, env.flush_interval, tick_atom::value);
  return {
    [self, env](tick_atom) {
      setup_this_thread_once("fraud-store", env.thread_nice);
      drain_queue(env);
      maybe_purge(self->state, env);
      self->delayed_send(self, env.flush_interval, tick_atom::value);
    },
    [env](flush_atom) -> std::uint64_t {
      drain_queue(env);
      return env.stats->store_written.get();
    },
    [env](lookup_atom, std::string& tx_id) -> std::string {
      // The first decision may still be queued: write it before looking.
      drain_queue(env);
      auto found = env.backend->find(tx_id);
      if (!found) {
        env.stats->store_errors.add();
        log_error("lookup", found.error(), 1);
        return {};
      }
      return std::move(*found);
    },
  };
}

} // namespace fraud::actors
