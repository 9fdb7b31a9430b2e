#include "actors/runtime/pending_snapshots.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace fraud::actors {

pending_snapshots::pending_snapshots(store_queue& queue, counters& stats)
  : queue_(queue), stats_(stats) {
}

namespace {

card_cell_ptr adopt(const store_queue::node* n) {
  card_cell* cell = nullptr;
  std::memcpy(&cell, n->payload().data(), sizeof cell);
  return card_cell_ptr{cell, false};  // the reference mark_dirty took
}

} // namespace

pending_snapshots::~pending_snapshots() {
  while (auto* n = listed_.pop()) {
    adopt(n);
    store_queue::release(n);
  }
}

bool pending_snapshots::mark_dirty(card_cell& cell) {
  cell.dirty = true;
  if (cell.listed)
    return true;
  auto* p = &cell;
  intrusive_ptr_add_ref(p);
  if (!listed_.push({reinterpret_cast<const char*>(&p), sizeof p})) {
    intrusive_ptr_release(p);
    stats_.snapshot_dropped.add();
    return false;
  }
  cell.listed = true;
  return true;
}

void pending_snapshots::absorb_dirty() {
  while (auto* n = listed_.pop()) {
    auto cell = adopt(n);
    store_queue::release(n);
    {
      // Passivated (its snapshot queued) before it was taken in: nothing
      // to keep it for.
      card_cell::guard guard{cell->lock};
      if (!cell->dirty) {
        cell->listed = false;
        continue;
      }
    }
    auto i = dirty_.find(cell->card_id);
    if (i != dirty_.end()) {
      if (i->second == cell)
        continue;
      // A predecessor of this card's actor, still listed: its state first
      // (this one's, encoded later, is newer).
      auto old = std::move(i->second);
      dirty_.erase(i);
      encode_cell(*old);
    }
    std::string_view key = cell->card_id;  // the cell, held by the map
    dirty_.emplace(key, std::move(cell));
  }
}

bool pending_snapshots::encode_listed(dirty_map::iterator i) {
  auto cell = std::move(i->second);
  dirty_.erase(i);
  return encode_cell(*cell);
}

bool pending_snapshots::encode_cell(card_cell& cell) {
  // The cell's lock inside the map's: a card being passivated queues its
  // snapshot with only its own lock held, so that one is absorbed after
  // this one (and wins: it is newer), or the cell is clean here.
  card_cell::guard guard{cell.lock};
  cell.listed = false;
  if (!cell.dirty)
    return false;
  cell.dirty = false;
  thread_local std::string bytes;
  cell.encode(bytes);
  store(cell.card_id, bytes);
  stats_.snapshots_encoded.add();
  return true;
}

std::size_t pending_snapshots::encode_dirty(
  const std::function<bool(const std::string&)>& which) {
  std::size_t encoded = 0;
  // What is listed now; cells listed meanwhile wait for the next interval
  // (unless a lookup takes them in: then they are encoded here too).
  {
    std::lock_guard<std::mutex> guard{mtx_};
    absorb_dirty();
  }
  for (;;) {
    // A chunk at a time, each cell leaving the map as it is encoded, so
    // that a lookup between chunks finds every card either still listed
    // or pending.
    std::lock_guard<std::mutex> guard{mtx_};
    std::size_t done = 0;
    for (auto i = dirty_.begin(); i != dirty_.end() && done < encode_chunk;) {
      if (which && !which(i->second->card_id)) {
        ++i;
        continue;
      }
      auto next = std::next(i);
      encoded += encode_listed(i) ? 1 : 0;
      i = next;
      ++done;
    }
    if (done < encode_chunk)
      return encoded;
  }
}

std::size_t pending_snapshots::cost(const std::string& card,
                                    const entry& e) {
  return entry_overhead + card.size() + e.bytes.capacity();
}

void pending_snapshots::store(std::string_view card, std::string_view bytes) {
  auto [i, fresh] = pending_.try_emplace(std::string{card});
  auto before = fresh ? 0 : cost(i->first, i->second);
  i->second.bytes.assign(bytes.data(), bytes.size());
  i->second.version = ++next_version_;
  bytes_.fetch_add(cost(i->first, i->second) - before,
                   std::memory_order_relaxed);
}

pending_snapshots::map::iterator pending_snapshots::erase(map::iterator i) {
  bytes_.fetch_sub(cost(i->first, i->second), std::memory_order_relaxed);
  return pending_.erase(i);
}

void pending_snapshots::absorb() {
  while (auto* n = queue_.pop()) {
    std::string_view card, bytes;
    if (decode_snapshot_record(n->payload(), card, bytes)) {
      store(card, bytes);
    } else {
      stats_.snapshot_errors.add();
    }
    store_queue::release(n);
  }
}

bool pending_snapshots::find(const std::string& card_id, std::string& out) {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  absorb_dirty();
  // A predecessor still listed dirty (one that had not handed its state
  // over when this card activated): its state is the newest.
  if (auto d = dirty_.find(card_id); d != dirty_.end())
    encode_listed(d);
  auto i = pending_.find(card_id);
  if (i == pending_.end())
    return false;
  out = i->second.bytes;
  return true;
}

void pending_snapshots::take(
  std::size_t max, std::vector<item>& out,
  const std::function<bool(const std::string&)>& which) {
  out.clear();
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  for (auto& [card, e] : pending_) {
    if (out.size() == max)
      break;
    if (!which || which(card))
      out.push_back(item{card, e.bytes, e.version});
  }
}

void pending_snapshots::written(const std::vector<item>& batch) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& it : batch) {
    auto i = pending_.find(it.card_id);
    if (i != pending_.end() && i->second.version == it.version)
      erase(i);
  }
}

std::size_t pending_snapshots::discard(
  const std::function<bool(const std::string&)>& which) {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  absorb_dirty();
  std::size_t n = 0;
  for (auto i = dirty_.begin(); i != dirty_.end();) {
    auto& c = *i->second;
    if (!which(c.card_id)) {
      ++i;
      continue;
    }
    {
      card_cell::guard cell{c.lock};
      n += c.dirty ? 1 : 0;
      c.dirty = false;
      c.listed = false;
    }
    i = dirty_.erase(i);
  }
  for (auto i = pending_.begin(); i != pending_.end();) {
    if (which(i->first)) {
      i = erase(i);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

std::size_t pending_snapshots::count(
  const std::function<bool(const std::string&)>& which) {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  absorb_dirty();
  std::size_t n = 0;
  for (auto& [card, e] : pending_)
    n += which(card) ? 1 : 0;
  for (auto& [card, c] : dirty_)
    if (which(c->card_id)) {
      card_cell::guard cell{c->lock};
      n += c->dirty ? 1 : 0;
    }
  return n;
}

void pending_snapshots::absorb_queue() {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  absorb_dirty();
}

std::size_t pending_snapshots::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return pending_.size() + queue_.size() + listed_.size() + dirty_.size();
}

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

fraud::expected<std::string> find_snapshot(pending_snapshots& pending,
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
