// The last few transaction ids a card saw, as 32-bit hashes in fixed
// memory: enough to notice a re-sent transaction. A hit can be a hash
// collision (about 8 in 4 billion), so a hit means "ask the store", never
// "this is a duplicate".
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "models/fnv.hpp"

namespace fraud::models {

struct snapshot_codec;

class recent_ids {
public:
  static constexpr std::size_t capacity = 8;

  bool maybe_contains(std::string_view id) const {
    auto h = hash(id);
    for (auto x : ids_)
      if (x == h)
        return true;
    return false;
  }

  void add(std::string_view id) {
    ids_[next_] = hash(id);
    next_ = static_cast<std::uint8_t>((next_ + 1) % capacity);
  }

private:
  friend struct snapshot_codec;  // models/card_snapshot.cpp

  static std::uint32_t hash(std::string_view s) {
    auto h = fnv1a_32(s);
    return h == 0 ? 1 : h; // 0 marks an empty slot
  }

  std::array<std::uint32_t, capacity> ids_{};
  std::uint8_t next_ = 0;
};

} // namespace fraud::models
