#include "service/ctl/ctl.hpp"

#include <cstdio>
#include <ctime>
#include <type_traits>
#include <utility>

#include "models/error.hpp"
#include "models/transaction.hpp"
#include "protocol/outcome_codec.hpp"
#include "protocol/query_codec.hpp"
#include "protocol/rules_codec.hpp"
#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "service/client/nkey.hpp"
#include "service/client/signed_change.hpp"

namespace fraud::ctl {

namespace {

// Replies that can carry the service's error (all but fraud.stats's).
template <class Reply, class = void>
struct carries_error : std::false_type {};
template <class Reply>
struct carries_error<Reply, std::void_t<decltype(std::declval<Reply&>().error)>>
  : std::true_type {};

// The words fraudctl has always used for a reply it cannot read: scripts
// may match them, so the query commands keep naming the message.
template <class Reply>
std::string not_the_reply(const std::string& subject) {
  if constexpr (std::is_same_v<Reply, protocol::decision_reply>)
    return "the reply is not a DecisionReply";
  else if constexpr (std::is_same_v<Reply, protocol::card_reply>)
    return "the reply is not a CardReply";
  else if constexpr (std::is_same_v<Reply, protocol::decisions_reply>)
    return "the reply is not a DecisionsReply";
  else if constexpr (std::is_same_v<Reply, protocol::stats_reply>)
    return "the reply is not a Stats message";
  else
    return "the reply on " + subject + " is not the expected message";
}

} // namespace

void report_service_error(const fraud::error& e) {
  std::fprintf(stderr, "fraudctl: %s%s%s: %s\n", protocol::wire_name(e.code()),
               e.field().empty() ? "" : " ", e.field().c_str(),
               e.what().c_str());
}

int usage_error(const std::string& what) {
  std::fprintf(stderr, "fraudctl: %s\n", what.c_str());
  return usage;
}

service::nats_role role_for(const std::string& subject) {
  namespace subjects = protocol::subjects;
  if (subject.rfind(subjects::tx_prefix, 0) == 0)
    return service::nats_role::authoriser;
  if (subjects::is_change(subject))
    return service::nats_role::analyst;
  return service::nats_role::viewer;
}

fraud::error sign_change(const common_options& c, const std::string& subject,
                         const std::string& payload, natsMsg* msg) {
  auto auth = c.auth;
  auto url = c.nats_url;
  if (!c.sign_key.empty())
    auth.nkey_file = c.sign_key;
  else if (auto err = service::use_local_credentials(
             auth, url, service::nats_role::analyst))
    return err;
  if (auth.nkey_file.empty())
    return fraud::error{fraud::ec::permission_denied,
                        "a change must be signed with an analyst's NKey: "
                        "give --sign-key (or --nats-nkey) <seed file>"};
  auto seed = service::nkey::read_seed_file(auth.nkey_file);
  if (!seed)
    return seed.error();
  auto sig = service::sign_change(*seed, subject, payload,
                                  service::wall_ms());
  if (!sig)
    return sig.error();
  return service::set_change_headers(msg, *sig);
}

std::unique_ptr<service::nats_connection> connect(const common_options& c,
                                                  service::nats_role role) {
  service::nats_options no;
  no.url = c.nats_url;
  no.auth = c.auth;
  no.name = "fraudctl";
  no.max_reconnect = 0;
  auto conn = [&]() -> fraud::expected<std::unique_ptr<service::nats_connection>> {
    if (auto err = service::use_local_credentials(no.auth, no.url, role))
      return err;
    return service::nats_connection::connect(no);
  }();
  if (!conn) {
    std::fprintf(stderr, "fraudctl: %s\n",
                 fraud::to_string(conn.error()).c_str());
    return nullptr;
  }
  return std::move(*conn);
}

std::optional<std::string> request(service::nats_connection& conn,
                                   const common_options& c,
                                   const std::string& subject,
                                   const std::string& payload) {
  natsMsg* msg = nullptr;
  auto s = natsMsg_Create(&msg, subject.c_str(), nullptr, payload.data(),
                          static_cast<int>(payload.size()));
  if (s == NATS_OK && role_for(subject) == service::nats_role::analyst) {
    // A change carries its analyst's signature (README: Who changed the
    // rules), made with the same NKey the connection authenticated with.
    if (auto err = sign_change(c, subject, payload, msg)) {
      natsMsg_Destroy(msg);
      std::fprintf(stderr, "fraudctl: %s\n", fraud::to_string(err).c_str());
      return std::nullopt;
    }
  }
  natsMsg* reply = nullptr;
  if (s == NATS_OK)
    s = natsConnection_RequestMsg(&reply, conn.get(), msg, c.timeout_ms);
  natsMsg_Destroy(msg);
  if (s != NATS_OK) {
    std::fprintf(stderr, "fraudctl: no answer on %s within %d ms: %s%s\n",
                 subject.c_str(), c.timeout_ms, service::describe(s).c_str(),
                 s == NATS_NO_RESPONDERS ? " (is fraudd running?)" : "");
    return std::nullopt;
  }
  std::string out{natsMsg_GetData(reply),
                  static_cast<size_t>(natsMsg_GetDataLength(reply))};
  natsMsg_Destroy(reply);
  return out;
}

template <class Reply>
fraud::expected<Reply> decode_reply(const std::string& subject,
                                    const std::string& bytes) {
  Reply reply;
  if (protocol::decode(bytes.data(), bytes.size(), reply)) {
    auto what = not_the_reply<Reply>(subject);
    std::fprintf(stderr, "fraudctl: %s\n", what.c_str());
    // Ours to report, whatever the decoder's code: exit 1, not 5.
    return fraud::error{fraud::ec::malformed, what};
  }
  return reply;
}

template <class Reply, class Query>
fraud::expected<Reply> ask(service::nats_connection& conn,
                           const common_options& c,
                           const std::string& subject, const Query& query) {
  std::string payload;
  protocol::encode(query, payload);
  auto bytes = request(conn, c, subject, payload);
  if (!bytes)  // request() has said why
    return fraud::error{fraud::ec::nats_error, "no answer on " + subject};
  auto decoded = decode_reply<Reply>(subject, *bytes);
  if (!decoded)
    return decoded.error();
  auto& reply = *decoded;
  if constexpr (carries_error<Reply>::value) {
    if (reply.error) {
      report_service_error(reply.error);
      return reply.error;
    }
  }
  return reply;
}

// Every request fraudctl makes: a new one needs its line here.
#define FRAUD_CTL_ASKS(Reply, Query)                                       \
  template fraud::expected<protocol::Reply> ask<protocol::Reply>(          \
    service::nats_connection&, const common_options&, const std::string&, \
    const protocol::Query&);
FRAUD_CTL_ASKS(decision_reply, decision_query)
FRAUD_CTL_ASKS(card_reply, card_query)
FRAUD_CTL_ASKS(decisions_reply, decisions_query)
FRAUD_CTL_ASKS(stats_reply, stats_query)
FRAUD_CTL_ASKS(rules_get_reply, rules_get_request)
FRAUD_CTL_ASKS(rules_change_reply, rules_set_request)
FRAUD_CTL_ASKS(rules_change_reply, rules_rollback_request)
FRAUD_CTL_ASKS(rules_history_reply, rules_history_request)
FRAUD_CTL_ASKS(shadow_reply, shadow_query)
FRAUD_CTL_ASKS(lists_reply, lists_query)
FRAUD_CTL_ASKS(list_change_reply, list_change)
#undef FRAUD_CTL_ASKS

// The replies fraudctl gathers from every instance (ctl_query.cpp).
#define FRAUD_CTL_GATHERS(Reply)                                         \
  template fraud::expected<protocol::Reply> decode_reply<protocol::Reply>( \
    const std::string&, const std::string&);
FRAUD_CTL_GATHERS(decision_reply)
FRAUD_CTL_GATHERS(card_reply)
FRAUD_CTL_GATHERS(decisions_reply)
FRAUD_CTL_GATHERS(stats_reply)
FRAUD_CTL_GATHERS(labels_add_reply)
FRAUD_CTL_GATHERS(case_resolve_reply)
FRAUD_CTL_GATHERS(cases_reply)
FRAUD_CTL_GATHERS(labels_reply)
FRAUD_CTL_GATHERS(performance_reply)
#undef FRAUD_CTL_GATHERS

int exit_code(const fraud::error& e) {
  switch (e.code()) {
    case fraud::ec::not_found:
      return not_found;
    case fraud::ec::bad_request:
      return usage;
    case fraud::ec::permission_denied:
      return denied;
    case fraud::ec::limit_exceeded:
      return limited;
    case fraud::ec::nats_error:  // no connection, no answer
      return failure;
    default:
      return is_input_error(e.code()) ? failure : service_failed;
  }
}

bool parse_time(const std::string& s, std::int64_t& out) {
  if (s.empty()) {
    out = 0;
    return true;
  }
  if (s.find_first_not_of("0123456789") == std::string::npos
      && s.size() < 18) {
    out = std::stoll(s);
    return true;
  }
  std::int64_t back = 0;
  if (!parse_duration_ms(s, back))
    return false;
  out = service::wall_ms() - back;
  return true;
}

bool parse_duration_ms(const std::string& text, std::int64_t& out) {
  if (text.size() < 2)
    return false;
  std::int64_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 1'000'000'000)
      return false;
    n = n * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 's':
      out = n * 1000;
      return true;
    case 'm':
      out = n * 60'000;
      return true;
    case 'h':
      out = n * 3'600'000;
      return true;
    case 'd':
      out = n * 86'400'000;
      return true;
  }
  return false;
}

std::string format_time(std::int64_t ms) {
  if (ms <= 0)
    return "-";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%03d",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string format_amount(std::int64_t minor, const std::string& currency) {
  models::transaction tx;
  tx.amount_minor = minor;
  tx.currency = currency;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f %s",
                models::currency_exponent(currency), models::major_units(tx),
                currency.c_str());
  return buf;
}

} // namespace fraud::ctl
