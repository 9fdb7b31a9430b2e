#include "service/client/nats_connection.hpp"

#include <vector>

#include <cstdio>

#include "actors/runtime/log.hpp"
#include "models/error.hpp"

namespace fraud::service {

void wait_for_reader(natsConnection* conn, int timeout_ms) {
  // Not connected (reconnecting, closed): nothing is being read, and a
  // flush would only wait out its timeout.
  if (conn != nullptr
      && natsConnection_Status(conn) == NATS_CONN_STATUS_CONNECTED)
    natsConnection_FlushTimeout(conn, timeout_ms);
}

void end_subscription(natsConnection* conn, natsSubscription* sub) {
  if (sub == nullptr)
    return;
  natsSubscription_Unsubscribe(sub);
  wait_for_reader(conn);
  natsSubscription_Destroy(sub);
}

std::string describe(natsStatus s) {
  std::string out = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0') {
    out += ": ";
    out += last;
  }
  return out;
}

fraud::expected<std::unique_ptr<nats_connection>>
nats_connection::connect(const nats_options& opts) {
  std::unique_ptr<nats_connection> self{new nats_connection};
  auto fail = [](const char* what, natsStatus s) {
    return make_error(ec::nats_error, std::string{what} + ": " + describe(s));
  };
  natsStatus s = natsOptions_Create(&self->opts_);
  if (s != NATS_OK)
    return fail("cannot create NATS options", s);
  auto* o = self->opts_;
  // "nats://a:4222,nats://b:4222": the servers of a cluster, tried in
  // turn and on reconnect (natsOptions_SetURL takes one URL only).
  std::vector<std::string> urls;
  for (std::size_t at = 0; at <= opts.url.size();) {
    auto comma = opts.url.find(',', at);
    if (comma == std::string::npos)
      comma = opts.url.size();
    if (comma > at)
      urls.push_back(opts.url.substr(at, comma - at));
    at = comma + 1;
  }
  if (urls.size() > 1) {
    std::vector<const char*> list;
    for (auto& u : urls)
      list.push_back(u.c_str());
    if ((s = natsOptions_SetServers(o, list.data(),
                                    static_cast<int>(list.size())))
        != NATS_OK)
      return fail("bad NATS URL", s);
  } else if ((s = natsOptions_SetURL(o, opts.url.c_str())) != NATS_OK) {
    return fail("bad NATS URL", s);
  }
  if ((s = natsOptions_SetName(o, opts.name.c_str())) != NATS_OK
      || (s = natsOptions_SetSendAsap(o, opts.send_asap)) != NATS_OK
      || (s = natsOptions_SetTimeout(o, opts.connect_timeout_ms)) != NATS_OK
      || (s = natsOptions_SetMaxReconnect(o, opts.max_reconnect)) != NATS_OK
      || (s = natsOptions_SetReconnectWait(o, 250)) != NATS_OK
      || (s = natsOptions_SetErrorHandler(o, on_error, self.get())) != NATS_OK
      || (s = natsOptions_SetDisconnectedCB(o, on_disconnected, self.get()))
           != NATS_OK
      || (s = natsOptions_SetReconnectedCB(o, on_reconnected, self.get()))
           != NATS_OK)
    return fail("cannot set NATS options", s);
  if (opts.reconnect_buffer_bytes > 0
      && (s = natsOptions_SetReconnectBufSize(o, opts.reconnect_buffer_bytes))
           != NATS_OK)
    return fail("cannot set NATS options", s);
  if (opts.ignore_discovered_servers
      && (s = natsOptions_SetIgnoreDiscoveredServers(o, true)) != NATS_OK)
    return fail("cannot set NATS options", s);
  if (auto err = apply(opts.auth, o))
    return err;
  if (!opts.auth.inbox_prefix.empty())
    self->inbox_prefix_ = opts.auth.inbox_prefix;
  // nats.c 3.4.1 against nats-server 2.9.10 refuses about one NKey
  // connect in 200 with "Authorization Violation" although the key is
  // right (measured: 400 connects of 400 valid keys, 0-3 refused, never
  // the same key twice). Each attempt signs a new nonce, so a few more
  // attempts make it vanishingly rare; a key the server does not know is
  // still refused every time. Reconnects already retry by themselves.
  int attempts = opts.auth.nkey_file.empty() ? 1 : 4;
  while ((s = natsConnection_Connect(&self->conn_, o)) != NATS_OK) {
    if (s != NATS_CONNECTION_AUTH_FAILED || --attempts == 0)
      return fail(("cannot connect to " + redact_url(opts.url)).c_str(), s);
  }
  return self;
}

nats_connection::~nats_connection() {
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    natsConnection_Destroy(conn_);
  }
  if (opts_ != nullptr)
    natsOptions_Destroy(opts_);
}

std::string nats_connection::new_inbox() const {
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK)
    return {};
  std::string unique = inbox;  // "_INBOX.<nuid>"
  natsInbox_Destroy(inbox);
  return inbox_prefix_ + unique.substr(unique.find('.'));
}

natsStatus nats_connection::flush(int timeout_ms) {
  return natsConnection_FlushTimeout(conn_, timeout_ms);
}

void nats_connection::on_error(natsConnection*, natsSubscription* sub,
                               natsStatus err, void* closure) {
  auto* self = static_cast<nats_connection*>(closure);
  self->async_errors_.fetch_add(1);
  if (err == NATS_SLOW_CONSUMER) {
    auto n = self->slow_consumer_.fetch_add(1) + 1;
    int64_t dropped = 0;
    if (sub != nullptr)
      natsSubscription_GetDropped(sub, &dropped);
    FRAUD_LOG_LIMITED(6, err, "nats",
                      "slow consumer: messages dropped ({} so far on this "
                      "subscription, event {})",
                      dropped, n);
    return;
  }
  FRAUD_LOG_LIMITED(6, err, "nats", "asynchronous error: {}",
                    natsStatus_GetText(err));
}

void nats_connection::on_disconnected(natsConnection* nc, void* closure) {
  if (natsConnection_IsClosed(nc))
    return; // closed on purpose
  static_cast<nats_connection*>(closure)->disconnects_.fetch_add(1);
  FRAUD_LOG_LIMITED(60, warn, "nats", "disconnected, reconnecting");
}

void nats_connection::on_reconnected(natsConnection*, void* closure) {
  static_cast<nats_connection*>(closure)->reconnects_.fetch_add(1);
  FRAUD_LOG_LIMITED(60, info, "nats", "reconnected");
}

} // namespace fraud::service
