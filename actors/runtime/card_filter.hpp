// Which cards may have a snapshot: a Bloom filter over card ids, so that a
// card never seen before starts at once instead of asking the snapshot
// store first. "No" is certain; "maybe" costs one snapshot lookup.
//
// Thread-safe and lock-free: bits are set with atomic or, read relaxed. A
// bit set by one thread is seen by another at the latest when the card's
// next transaction crosses the same ingress, which is all routing needs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

namespace fraud::actors {

class card_filter {
public:
  /// `bytes` of bits (rounded up to a power of two words).
  explicit card_filter(std::size_t bytes);

  void add(std::string_view card_id);
  bool maybe_contains(std::string_view card_id) const;

  std::size_t bytes() const { return words_ * sizeof(std::uint64_t); }

private:
  static constexpr int hashes = 4;
  std::size_t words_;
  std::size_t mask_;  // bits - 1
  std::unique_ptr<std::atomic<std::uint64_t>[]> bits_;
};

} // namespace fraud::actors
