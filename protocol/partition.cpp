#include "protocol/partition.hpp"

namespace fraud::protocol {

std::uint32_t partition_of(std::string_view card_token,
                           std::uint32_t partitions) {
  return fnv1a_32(card_token) % partitions;
}

} // namespace fraud::protocol
