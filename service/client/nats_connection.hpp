// An owned connection to NATS, with the options the service relies on set
// explicitly: send-asap for latency, endless reconnects, and an error
// handler so that slow-consumer drops are counted, never silent.
//
// Thread-safe as nats.c connections are: publish from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "models/error.hpp"
#include "service/client/nats_credentials.hpp"
#include <nats/nats.h>

namespace fraud::service {

struct nats_options {
  std::string url = "nats://127.0.0.1:4222";  // may hold user info: see redact_url
  nats_credentials auth;     // resolve()d: who we are, and TLS
  std::string name = "fraud";
  bool send_asap = true;     // flush each publish now instead of batching
  int connect_timeout_ms = 2000;
  int max_reconnect = -1;    // forever
  // What nats.c keeps of publications made while reconnecting, to send
  // once reconnected (0: its default, 8 MB). 1 keeps none: a cluster
  // instance must not deliver an answer after another may have taken the
  // card over (README: Cluster).
  int reconnect_buffer_bytes = 0;
  // Only the servers in `url`, not those the cluster tells of (tests that
  // cut a client off by stopping its server).
  bool ignore_discovered_servers = false;
};

class nats_connection {
public:
  static fraud::expected<std::unique_ptr<nats_connection>>
  connect(const nats_options& opts);

  ~nats_connection();
  nats_connection(const nats_connection&) = delete;
  nats_connection& operator=(const nats_connection&) = delete;

  natsConnection* get() const { return conn_; }

  /// Errors reported asynchronously by nats.c (slow consumer, etc.).
  std::uint64_t async_errors() const { return async_errors_.load(); }
  std::uint64_t slow_consumer_events() const { return slow_consumer_.load(); }
  /// Times the connection was lost, and regained.
  std::uint64_t disconnects() const { return disconnects_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }

  /// A new unique inbox subject under this connection's inbox prefix
  /// (_INBOX, or --nats-inbox-prefix), for a client that subscribes to
  /// its replies itself; "" if nats.c cannot make one.
  std::string new_inbox() const;

  /// Flushes what was published, waiting at most timeout_ms.
  natsStatus flush(int timeout_ms);

private:
  nats_connection() = default;
  static void on_error(natsConnection*, natsSubscription*, natsStatus err,
                       void* closure);
  static void on_disconnected(natsConnection*, void* closure);
  static void on_reconnected(natsConnection*, void* closure);

  std::string inbox_prefix_ = "_INBOX";
  natsOptions* opts_ = nullptr;
  natsConnection* conn_ = nullptr;
  std::atomic<std::uint64_t> async_errors_{0};
  std::atomic<std::uint64_t> slow_consumer_{0};
  std::atomic<std::uint64_t> disconnects_{0};
  std::atomic<std::uint64_t> reconnects_{0};
};

/// "status text: last error detail" for a failed nats.c call.
std::string describe(natsStatus s);

/// After an unsubscription on `conn`: waits one round trip, so that every
/// message the server sent before it has been read (and none after it
/// finds the subscription); at once when `conn` is not connected (nothing
/// is read then). nats.c 3.4.1's reader thread may otherwise be delivering
/// to a subscription as it is freed (nats.c#637, fixed in 3.6; a test
/// process died of it).
void wait_for_reader(natsConnection* conn, int timeout_ms = 1000);

/// Ends `sub`, a subscription on `conn` that messages may still be coming
/// to: unsubscribes, wait_for_reader(), then destroys it. Null `sub`:
/// nothing.
void end_subscription(natsConnection* conn, natsSubscription* sub);

} // namespace fraud::service
