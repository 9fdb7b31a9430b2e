// FNV-1a, the one string hash of the models and everything above them:
// card snapshots' checksum, the ids and devices a card remembers, entity
// keys, and the partition of a card token (nats-server's
// {{partition(n,1)}} is 32-bit FNV-1a too, so the result must not change).
#pragma once

#include <cstdint>
#include <string_view>

namespace fraud::models {

constexpr std::uint32_t fnv1a_32(std::string_view bytes) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

constexpr std::uint64_t fnv1a_64(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

} // namespace fraud::models
