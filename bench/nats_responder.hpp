// The skeleton the bench's stand-in services share: connect to NATS with
// fraudd's connection options, subscribe one handler, announce readiness on
// stdout, and run until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <string>

#include <nats/nats.h>

#include "protocol/subjects.hpp"
#include "service/client/nats_credentials.hpp"

namespace fraud::bench {

struct responder_options {
  std::string name;                  // for the ready line and nats-server
  std::string url;
  service::nats_credentials auth;    // declared by declare_responder_options
  std::string subject = protocol::subjects::tx_all;
  /// SCHED_RR priority of the thread that runs the handler (0: none), as
  /// fraudd's --rt-priority gives its ingress threads: like for like.
  int realtime_priority = 0;
  /// Called once connected, before subscribing.
  std::function<void(natsConnection*)> on_connect;
};

/// --nats, --subject and the credential options, on `app`.
void declare_responder_options(CLI::App& app, responder_options& opts);

/// Blocks the stop signals: call first in main, before any thread starts.
void block_stop_signals();

/// Runs the handler until a stop signal; returns main's exit code. The
/// handler must destroy its messages.
int run_responder(const responder_options& opts, natsMsgHandler handler,
                  void* closure);

} // namespace fraud::bench
