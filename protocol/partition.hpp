// Which partition a card belongs to: the same answer nats-server gives when
// it maps fraud.tx.<card> to fraud.p.<partition>.<card> with
// {{partition(n,1)}} (deploy/nats/cluster/cluster.conf). nats-server 2.9.10
// hashes the bytes of the token alone (no separator, no subject) with
// 32-bit FNV-1a (Go's hash/fnv New32a) and takes the hash mod n. Anything
// that must agree with the cluster on who owns a card asks this.
//
// Pure: safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "models/fnv.hpp"

namespace fraud::protocol {

/// 32-bit FNV-1a of `bytes`, as nats-server hashes a token.
using models::fnv1a_32;

/// The partition of `card_token` among `partitions` (> 0), in
/// [0, partitions).
std::uint32_t partition_of(std::string_view card_token,
                           std::uint32_t partitions);

} // namespace fraud::protocol
