// A reply NATS will not carry is no reply at all: nats-server refuses a
// message over its max_payload (1 MiB unless configured), the publish
// fails, and the requester waits for its timeout with no word why. The
// responders check what they encoded and answer LIMIT_EXCEEDED instead.
#pragma once

#include <cstddef>
#include <string>

#include <nats/nats.h>

#include "models/error.hpp"

namespace fraud::service {

/// LIMIT_EXCEEDED (field "max_payload") when a reply of `size` bytes is
/// more than `conn`'s server takes; no error when it fits.
inline fraud::error check_reply_size(natsConnection* conn, std::size_t size) {
  auto max = natsConnection_GetMaxPayload(conn);
  if (max <= 0 || size <= static_cast<std::size_t>(max))
    return {};
  return fraud::error::in_field(
    fraud::ec::limit_exceeded, "max_payload",
    "the answer is " + std::to_string(size) + " bytes, more than the "
      + std::to_string(max) + " a NATS message may carry: ask for less "
      + "(a smaller limit)");
}

} // namespace fraud::service
