#include "protocol/partition.hpp"

namespace fraud::protocol {

std::uint32_t fnv1a_32(std::string_view bytes) {
  constexpr std::uint32_t offset_basis = 2166136261u;
  constexpr std::uint32_t prime = 16777619u;
  std::uint32_t h = offset_basis;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= prime;
  }
  return h;
}

std::uint32_t partition_of(std::string_view card_token,
                           std::uint32_t partitions) {
  return fnv1a_32(card_token) % partitions;
}

} // namespace fraud::protocol
