#include "actors/runtime/pending_snapshots.hpp"

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
      pending_.erase(i);
  }
}

std::size_t pending_snapshots::discard(
  const std::function<bool(const std::string&)>& which) {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
  std::size_t n = 0;
  for (auto i = pending_.begin(); i != pending_.end();) {
    if (which(i->first)) {
      i = pending_.erase(i);
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
  std::size_t n = 0;
  for (auto& [card, e] : pending_)
    n += which(card) ? 1 : 0;
  return n;
}

void pending_snapshots::absorb_queue() {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb();
}

std::size_t pending_snapshots::size() {
  std::lock_guard<std::mutex> guard{mtx_};
  return pending_.size() + queue_.size();
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
