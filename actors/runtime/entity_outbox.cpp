#include "actors/runtime/entity_outbox.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace fraud::actors {

namespace {

// A queued observation: the card hash, the event time, the flags, one
// length byte per kind, then the ids. Only this file reads it.
constexpr std::size_t header_bytes = 4 + 8 + 1 + models::entity_kinds;
constexpr std::uint8_t small_cnp_flag = 1;
constexpr std::uint8_t declined_flag = 2;

} // namespace

bool entity_outbox::push(
  const models::entity_use& use, bool declined,
  const std::array<std::string_view, models::entity_kinds>& ids) {
  // This thread's buffer: no allocation once it has grown.
  thread_local std::string record;
  record.resize(header_bytes);
  auto* p = record.data();
  std::memcpy(p, &use.card, 4);
  std::memcpy(p + 4, &use.time_ms, 8);
  p[12] = static_cast<char>((use.small_cnp ? small_cnp_flag : 0)
                            | (declined ? declined_flag : 0));
  for (std::size_t k = 0; k < models::entity_kinds; ++k) {
    if (ids[k].size() > 255)
      return false;
    record[13 + k] = static_cast<char>(ids[k].size());
  }
  for (auto id : ids)
    record.append(id);
  return queue_.push(record);
}

std::size_t entity_outbox::drain(std::vector<models::entity_observation>& out,
                                 std::size_t max) {
  std::size_t n = 0;
  while (n < max) {
    auto* node = queue_.pop();
    if (node == nullptr)
      break;
    auto bytes = node->payload();
    models::entity_observation o;
    std::memcpy(&o.use.card, bytes.data(), 4);
    std::memcpy(&o.use.time_ms, bytes.data() + 4, 8);
    auto flags = static_cast<std::uint8_t>(bytes[12]);
    o.use.small_cnp = (flags & small_cnp_flag) != 0;
    o.declined = (flags & declined_flag) != 0;
    std::size_t at = header_bytes;
    for (std::size_t k = 0; k < models::entity_kinds; ++k) {
      auto len = static_cast<std::uint8_t>(bytes[13 + k]);
      o.ids[k].assign(bytes.data() + at, len);
      at += len;
    }
    store_queue::release(node);
    out.push_back(std::move(o));
    ++n;
  }
  queue_.settle(n);
  return n;
}

} // namespace fraud::actors
