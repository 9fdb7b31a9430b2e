// fraudctl's commands, shared pieces. Exit codes: 0 done, 1 failure
// (no NATS, no answer), 2 usage or bad request, 3 the service rejected the
// input, 4 not found, 5 the service failed (INTERNAL: its database, say),
// 6 permission denied (an unsigned or untrusted change, or a subject the
// NATS user may not use), 7 a limit exceeded (too large, too often).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "models/error.hpp"
#include "models/transaction.hpp"
#include "protocol/codec.hpp"
#include "service/client/local_credentials.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::ctl {

enum exit_code : int {
  ok = 0,
  failure = 1,
  usage = 2,
  rejected = 3,
  not_found = 4,
  service_failed = 5,
  denied = 6,
  limited = 7,
};

struct common_options {
  // "" = the local fraudd's server (its registered credentials directory),
  // else nats://127.0.0.1:4222.
  std::string nats_url;
  service::nats_credentials auth;  // resolve()d in main
  std::string sign_key;  // the NKey seed that signs changes ("" = --nats-nkey)
  int timeout_ms = 2000;
  std::uint32_t instances = 0;  // queries wait for this many (0: as they say)
  bool json = false;
};

/// Prints "fraudctl: what" to stderr and returns the usage exit code.
int usage_error(const std::string& what);

/// The least role that may do what a request on `subject` does:
/// authoriser for transactions, analyst for changes, viewer for the rest.
service::nats_role role_for(const std::string& subject);

/// Connects as `role` (with the local server's key for it when no
/// credentials were given), or prints why not and returns null.
std::unique_ptr<service::nats_connection> connect(const common_options& c,
                                                  service::nats_role role);

/// Signs a change (a request on a subject role_for() gives the analyst)
/// with the analyst's seed: --sign-key, --nats-nkey, or the local
/// server's analyst key (README: Who changed the rules).
fraud::error sign_change(const common_options& c, const std::string& subject,
                         const std::string& payload, natsMsg* msg);

/// Sends a request and returns the reply's bytes, or prints why there is
/// none and returns nothing.
std::optional<std::string> request(service::nats_connection& conn,
                                   const common_options& c,
                                   const std::string& subject,
                                   const std::string& payload);

/// Asks the running service on `subject`: sends `query`, waits for the
/// reply and decodes it as a `Reply`. When there is no answer, the answer
/// is not a `Reply`, or it carries the service's error, that has been said
/// on stderr and the error is returned (NATS error, MALFORMED, or the
/// service's own); exit_code() turns it into fraudctl's exit code.
/// Defined in ctl_common.cpp for the requests of protocol/query_codec.hpp
/// and protocol/rules_codec.hpp.
template <class Reply, class Query>
[[nodiscard]] fraud::expected<Reply>
ask(service::nats_connection& conn, const common_options& c,
    const std::string& subject, const Query& query);

/// Decodes a reply on `subject` as a `Reply`; when it is not one, says so
/// on stderr and returns MALFORMED. Leaves the service's error in it.
template <class Reply>
[[nodiscard]] fraud::expected<Reply> decode_reply(const std::string& subject,
                                                  const std::string& bytes);

/// Says the service's error on stderr, as ask() does.
void report_service_error(const fraud::error& e);

/// The same on a connection of its own, for a command that asks once.
template <class Reply, class Query>
[[nodiscard]] fraud::expected<Reply>
ask(const common_options& c, const std::string& subject, const Query& query) {
  auto conn = connect(c, role_for(subject));
  if (!conn)  // connect() has said why
    return fraud::error{fraud::ec::nats_error, "not connected"};
  return ask<Reply>(*conn, c, subject, query);
}

/// fraudctl's exit code for a failure ask() returned (and reported).
int exit_code(const fraud::error& e);

/// "10m" means ten minutes ago; plain digits are Unix milliseconds; ""
/// is 0. False if it is neither.
bool parse_time(const std::string& s, std::int64_t& out);

/// "10m", "2h", "30s", "7d" -> milliseconds; false if not a duration.
bool parse_duration_ms(const std::string& text, std::int64_t& out);

/// Milliseconds since the epoch as "2026-11-23 19:35:30.123" (UTC).
std::string format_time(std::int64_t ms);

/// Amount in minor units in its currency's major units, e.g. "12.50 USD".
std::string format_amount(std::int64_t minor, const std::string& currency);

struct send_options {
  std::string from_json;  // file, or - for stdin
  models::transaction tx;
  std::string amount;
  std::string channel = "POS";
  double lat = 0, lon = 0;
  bool has_lat = false, has_lon = false;
};

struct decisions_options {
  std::string action;
  std::string card;
  std::string since;  // duration back from now, or Unix ms
  std::string until;
  std::string rule;
  std::uint32_t limit = 50;
  std::string cursor;
  bool all = false;   // follow next_cursor to the end
};

struct watch_options {
  std::string filter = ">";  // after fraud.decisions.
  int seconds = 0;           // 0: until interrupted
  std::uint64_t count = 0;   // stop after this many decisions, 0: never
};

int run_send(const common_options& c, send_options& o);
int run_decision(const common_options& c, const std::string& tx_id);
int run_card(const common_options& c, const std::string& card_id,
             std::uint32_t limit);
int run_decisions(const common_options& c, const decisions_options& o);
int run_cluster(const common_options& c);
int run_stats(const common_options& c);
int run_watch(const common_options& c, const watch_options& o);

} // namespace fraud::ctl
