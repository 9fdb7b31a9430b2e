// Test support: an analyst with an NKey fraudd trusts, and requests that
// carry its signature, as fraudctl sends them (README: Who changed the
// rules).
#pragma once

#include <string>

#include <nats/nats.h>

#include "tests/support/fraudd_process.hpp"

namespace fraud::test {

struct analyst {
  std::string name;
  std::string seed_file;  // the NKey seed, mode 0600
  std::string keyring;    // "<name> <key>": give fraudd --analyst-keys this
  std::string seed;
  std::string public_key;
};

/// A new analyst key in `dir`, and a keyring that trusts it; fails the
/// test (and returns an empty analyst) if it cannot be made.
analyst make_analyst(const temp_dir& dir, const std::string& name = "alice");

/// A request on `subject`, signed by `who` when it is a change (an empty
/// seed sends it unsigned); the reply is the caller's to destroy.
natsStatus signed_request(natsMsg** reply, natsConnection* conn,
                          const std::string& subject,
                          const std::string& payload, const analyst& who,
                          int timeout_ms);

} // namespace fraud::test
