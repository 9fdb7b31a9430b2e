#include "actors/runtime/entity_directory.hpp"

#include "actors/entity.hpp"
#include "models/fnv.hpp"

namespace fraud::actors {

namespace {

// FNV-1a over the kind and the id: the shard, and nothing else, so that a
// device "x" and a merchant "x" are different entities.
std::size_t shard_of(const std::string& key) {
  return static_cast<std::size_t>(models::fnv1a_64(key)
                                  % entity_directory::shards);
}

} // namespace

entity_directory::entity_directory(caf::actor_system& sys,
                                   entity_limits limits, counters* stats)
  : sys_(sys),
    limits_(limits),
    shard_cap_(limits.max_entities == 0
                 ? 0
                 : std::max<std::size_t>(1, (limits.max_entities + shards - 1)
                                              / shards)),
    stats_(stats) {
}

entity_directory::~entity_directory() {
  stop_all();
}

entity_actor entity_directory::find(models::entity_kind kind,
                                    std::string_view id, std::int64_t now_ns) {
  // The key in a buffer of this thread's: no allocation once it is grown.
  thread_local std::string key;
  key.assign(1, static_cast<char>('0' + static_cast<int>(kind)));
  key.append(id);
  auto& s = shards_[shard_of(key)];
  std::lock_guard<std::mutex> guard{s.mtx};
  auto i = s.entities.find(key);
  if (i != s.entities.end()) {
    i->second.last_used_ns = now_ns;
    s.lru.splice(s.lru.begin(), s.lru, i->second.lru);
    return i->second.handle;
  }
  if (shard_cap_ != 0 && s.entities.size() >= shard_cap_) {
    auto victim = s.entities.find(*s.lru.back());
    passivate(s, victim);
  }
  // Lazily: it starts on its first message, on the thread that sends it.
  auto handle = sys_.spawn<caf::lazy_init>(entity, kind);
  i = s.entities.emplace(key, entry{handle, now_ns, {}}).first;
  s.lru.push_front(&i->first);
  i->second.lru = s.lru.begin();
  active_.fetch_add(1, std::memory_order_relaxed);
  if (stats_ != nullptr)
    stats_->entities_activated.add();
  return handle;
}

void entity_directory::passivate(
  shard& s, std::unordered_map<std::string, entry>::iterator i) {
  // Its mailbox keeps the order: a probe sent before this is answered
  // first; one sent after finds it gone, and its card scores without it.
  caf::anon_send(i->second.handle, passivate_atom::value);
  s.lru.erase(i->second.lru);
  s.entities.erase(i);
  active_.fetch_sub(1, std::memory_order_relaxed);
  if (stats_ != nullptr)
    stats_->entity_passivations.add();
}

std::size_t entity_directory::sweep_idle(std::int64_t now_ns) {
  if (limits_.idle_ns <= 0)
    return 0;
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> guard{s.mtx};
    while (!s.lru.empty()) {
      auto i = s.entities.find(*s.lru.back());
      if (now_ns - i->second.last_used_ns < limits_.idle_ns)
        break;
      passivate(s, i);
      ++n;
    }
  }
  return n;
}

void entity_directory::stop_all() {
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> guard{s.mtx};
    for (auto& [key, e] : s.entities)
      caf::anon_send(e.handle, passivate_atom::value);
    active_.fetch_sub(s.entities.size(), std::memory_order_relaxed);
    s.entities.clear();
    s.lru.clear();
  }
}

} // namespace fraud::actors
