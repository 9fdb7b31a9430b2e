// A three-server nats-server cluster on loopback for integration tests:
// the shipped cluster configuration (deploy/nats/cluster/cluster.conf,
// which includes deploy/nats/nats-server.conf's users and roles) on free
// ports, JetStream on every server, each server's store in work_dir so
// that a killed server restarts with its data.
//
// Each role (scorer, authoriser, analyst, viewer) gets a fresh NKey; its
// public key goes into the environment variable the configuration reads
// (FRAUD_<ROLE>_NKEY), so one cluster at a time per test process.
//
// Not thread-safe: drive it from the test's thread.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>

#include "models/error.hpp"
#include "service/embedded_nats.hpp"

namespace fraud::test {

class nats_cluster {
public:
  static constexpr int size = 3;

  /// Starts the three servers and waits until JetStream answers on every
  /// one of them (a leader is elected): a generous wait, the machine may
  /// be loaded.
  static fraud::expected<std::unique_ptr<nats_cluster>>
  start(const std::string& work_dir);

  ~nats_cluster() = default;

  /// nats://127.0.0.1:<port> of server i (0..2).
  std::string url(int i) const;
  /// All three client URLs, comma-separated (nats.c's server list).
  std::string urls() const;
  /// The seed file of `role` ("scorer", "authoriser", ...), mode 0600.
  const std::string& seed_file(const std::string& role) const;

  /// SIGKILLs server i: no goodbye to its peers or clients.
  void kill(int i);
  /// Starts server i again on its ports and with its store; waits until
  /// it is ready, and until JetStream answers through it.
  fraud::error restart(int i);
  bool running(int i) const { return servers_[i] != nullptr; }

  /// The log of server i (empty when it is not running), for messages.
  std::string log(int i) const;

  /// True once a `$JS.API.INFO` request, made as the scorer through
  /// server i, is answered within `timeout_ms`.
  bool jetstream_answers(int i, int timeout_ms) const;

private:
  nats_cluster() = default;
  fraud::error launch(int i);

  std::string dir_;
  std::string config_;  // the shared part, includes inlined
  std::map<std::string, std::string> seed_files_;
  std::array<int, size> client_ports_{};
  std::array<int, size> route_ports_{};
  std::array<std::unique_ptr<service::embedded_nats>, size> servers_;
};

/// The text of a nats-server configuration file with its `include`s
/// replaced by the included files' text (each resolved relative to the file
/// that includes it, as nats-server does): for a server whose configuration
/// is written elsewhere, where relative includes would not resolve.
fraud::expected<std::string> inline_includes(const std::string& path);

} // namespace fraud::test
