#include "models/recent_decisions.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace fraud::models {

std::uint16_t recent_decisions::id_size(const char* record) {
  std::uint16_t n;
  std::memcpy(&n, record, sizeof n);
  return n;
}

std::uint32_t recent_decisions::decision_size(const char* record) {
  std::uint32_t n;
  std::memcpy(&n, record + 2, sizeof n);
  return n;
}

std::size_t recent_decisions::record_size(const char* record) {
  return header + id_size(record) + decision_size(record);
}

void recent_decisions::add(std::string_view tx_id, std::string_view decision,
                           std::size_t keep) {
  keep = std::min(keep, max_capacity);
  if (keep == 0 || tx_id.size() > std::numeric_limits<std::uint16_t>::max()
      || decision.size() > std::numeric_limits<std::uint32_t>::max())
    return;
  while (count_ >= keep) {
    buf_.erase(0, record_size(buf_.data()));
    --count_;
  }
  auto ids = static_cast<std::uint16_t>(tx_id.size());
  auto ds = static_cast<std::uint32_t>(decision.size());
  char head[header];
  std::memcpy(head, &ids, sizeof ids);
  std::memcpy(head + 2, &ds, sizeof ds);
  buf_.append(head, header);
  buf_.append(tx_id);
  buf_.append(decision);
  ++count_;
}

std::optional<std::string_view>
recent_decisions::find(std::string_view tx_id) const {
  std::optional<std::string_view> found;
  // Newest wins: scan all, keep the last match.
  for_each([&](std::string_view id, std::string_view decision) {
    if (id == tx_id)
      found = decision;
  });
  return found;
}

} // namespace fraud::models
