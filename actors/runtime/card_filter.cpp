#include "actors/runtime/card_filter.hpp"

namespace fraud::actors {

namespace {

std::uint64_t hash64(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // final mix (splitmix64) so that nearby ids spread over the whole table
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

} // namespace

card_filter::card_filter(std::size_t bytes) {
  std::size_t words = 1;
  while (words * sizeof(std::uint64_t) < bytes)
    words <<= 1;
  words_ = words;
  mask_ = words * 64 - 1;
  bits_ = std::make_unique<std::atomic<std::uint64_t>[]>(words);
  for (std::size_t i = 0; i < words; ++i)
    bits_[i].store(0, std::memory_order_relaxed);
}

void card_filter::add(std::string_view card_id) {
  auto h1 = hash64(card_id, 0);
  auto h2 = hash64(card_id, 0x9e3779b97f4a7c15ull) | 1;
  for (int i = 0; i < hashes; ++i) {
    auto bit = (h1 + static_cast<std::uint64_t>(i) * h2) & mask_;
    bits_[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64),
                             std::memory_order_relaxed);
  }
}

bool card_filter::maybe_contains(std::string_view card_id) const {
  auto h1 = hash64(card_id, 0);
  auto h2 = hash64(card_id, 0x9e3779b97f4a7c15ull) | 1;
  for (int i = 0; i < hashes; ++i) {
    auto bit = (h1 + static_cast<std::uint64_t>(i) * h2) & mask_;
    if ((bits_[bit / 64].load(std::memory_order_relaxed)
         & (std::uint64_t{1} << (bit % 64)))
        == 0)
      return false;
  }
  return true;
}

} // namespace fraud::actors
