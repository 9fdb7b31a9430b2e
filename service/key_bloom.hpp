// What the decision writer has stored, roughly: a Bloom filter of the
// tx_id keys (service/key_runs.hpp), so that a new tx_id, almost every
// one, is told apart from a resent one without reading the runs. In
// segments of growing size, so that it grows without being rebuilt; a
// purged key stays in it (a false "maybe", answered by the runs).
// Blocked: the probes of a key are in one 64-byte line.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace fraud::service {

class key_bloom {
public:
  void add(std::int64_t key) {
    if (segments_.empty() || segments_.back().count == segments_.back().capacity) {
      // Each segment four times the keys before it: a few segments (a
      // cache miss each for a new key) at any size.
      std::size_t capacity = std::max<std::size_t>(std::size_t{1} << 20, 4 * keys_);
      segments_.push_back(segment{std::vector<std::uint64_t>(capacity / 4), capacity, 0});
    }
    auto& s = segments_.back();
    auto* line = s.words.data() + line_of(s, key);
    for (int i = 0; i < probes; ++i) {
      auto bit = bit_of(key, i);
      line[bit >> 6] |= std::uint64_t{1} << (bit & 63);
    }
    ++s.count;
    ++keys_;
  }

  bool may_hold(std::int64_t key) const {
    for (auto& s : segments_) {
      auto* line = s.words.data() + line_of(s, key);
      bool all = true;
      for (int i = 0; i < probes && all; ++i) {
        auto bit = bit_of(key, i);
        all = (line[bit >> 6] >> (bit & 63)) & 1;
      }
      if (all)
        return true;
    }
    return false;
  }

  std::size_t keys() const { return keys_; }

private:
  // 16 bits a key, 6 probes: about one false "maybe" in 1,000.
  static constexpr int probes = 6;
  struct segment {
    std::vector<std::uint64_t> words;  // lines of 8 words
    std::size_t capacity;
    std::size_t count;
  };
  static std::uint64_t mixed(std::int64_t key) {
    auto h = static_cast<std::uint64_t>(key);
    // Keys are hashes already; mixed again for injected test hashes.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  // The first word of the key's line.
  static std::size_t line_of(const segment& s, std::int64_t key) {
    auto lines = s.words.size() / 8;
    return 8 * static_cast<std::size_t>(
                 (static_cast<unsigned __int128>(mixed(key)) * lines) >> 64);
  }
  static unsigned bit_of(std::int64_t key, int i) {
    // 9 bits a probe from the low bits (the line took the high ones).
    return static_cast<unsigned>(mixed(key) >> (9 * i)) & 511u;
  }
  std::vector<segment> segments_;
  std::size_t keys_ = 0;
};

} // namespace fraud::service
