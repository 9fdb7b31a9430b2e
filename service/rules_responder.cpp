#include "protocol/subjects.hpp"
#include "actors/runtime/log.hpp"
#include "service/rules_responder.hpp"

#include <cstdio>
#include <type_traits>

#include "protocol/rules_codec.hpp"
#include "models/error.hpp"
#include "service/client/clock.hpp"
#include "service/client/nats_connection.hpp"
#include "service/request_limits.hpp"

namespace fraud::service {

namespace {

struct unsubscribe {
  natsConnection* conn = nullptr;
  void operator()(natsSubscription* sub) const { end_subscription(conn, sub); }
};

} // namespace

struct rules_responder::handler {
  rules_responder* self = nullptr;
  std::string prefix;  // subjects::rules_prefix or subjects::lists_prefix
  std::unique_ptr<natsSubscription, unsubscribe> sub;
};

namespace {

fraud::error unknown_subject(const std::string& subject) {
  return fraud::error::in_field(fraud::ec::bad_request, "",
                              "no such request: " + subject);
}

// Rule changes are rare and matter: each one is logged.
void log_change(const char* what, const protocol::rules_change_reply& r,
                const std::string& author, const std::string& reason) {
  if (r.error || !r.errors.empty() || !r.version)
    return;
  FRAUD_LOG_LIMITED(60, info, "rules", "{} running ({} by {}: {})", r.version->name, what,
            author, reason);
}

} // namespace

rules_responder::rules_responder(natsConnection* conn, live_rules& rules,
                                 actors::counters& stats, std::string db_path,
                                 change_verifier& verifier, live_rates* rates,
                                 live_model* model)
  : conn_(conn),
    rules_(rules),
    stats_(stats),
    db_path_(std::move(db_path)),
    verifier_(verifier),
    rates_(rates),
    model_(model) {
}

fraud::expected<std::string> rules_responder::signer_of(natsMsg* msg) {
  std::string_view body{natsMsg_GetData(msg),
                        static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
  auto who = verifier_.verify(natsMsg_GetSubject(msg), body,
                              read_change_headers(msg), wall_ms());
  if (!who) {
    stats_.changes_denied.add();
    FRAUD_LOG_LIMITED(6, warn, "rules", "refused a change on {}: {}",
                      natsMsg_GetSubject(msg), who.error().what());
    return who.error();
  }
  return who->name + " (" + who->public_key + ")";
}

rules_responder::~rules_responder() {
  handlers_.clear();  // unsubscribes: no callback runs after this
}

fraud::error rules_responder::start() {
  auto db = shadow_queries::open(db_path_);
  if (!db)
    return db.error();
  shadow_ = std::move(*db);
  reply_bytes_ = reply_budget(natsConnection_GetMaxPayload(conn_));
  std::vector<const char*> prefixes{protocol::subjects::rules_prefix,
                                    protocol::subjects::lists_prefix};
  if (rates_ != nullptr)
    prefixes.push_back(protocol::subjects::rates_prefix);
  if (model_ != nullptr)
    prefixes.push_back(protocol::subjects::model_prefix);
  for (const char* prefix : prefixes) {
    auto h = std::make_unique<handler>();
    h->self = this;
    h->prefix = prefix;
    auto subject = h->prefix + "*";
    natsSubscription* sub = nullptr;
    auto s = natsConnection_Subscribe(&sub, conn_, subject.c_str(),
                                      on_message, h.get());
    h->sub = std::unique_ptr<natsSubscription, unsubscribe>(sub,
                                                           unsubscribe{conn_});
    if (s != NATS_OK)
      return make_error(ec::nats_error, "cannot subscribe to " + subject
                                          + ": " + describe(s));
    handlers_.push_back(std::move(h));
  }
  return fraud::error{};
}

void rules_responder::on_message(natsConnection*, natsSubscription*,
                                 natsMsg* msg, void* closure) {
  auto* h = static_cast<handler*>(closure);
  auto& self = *h->self;
  self.stats_.queries.add();
  if (natsMsg_GetReply(msg) == nullptr) {
    self.stats_.query_errors.add();  // nobody waits: a change needs a reply
  } else {
    std::string verb = natsMsg_GetSubject(msg) + h->prefix.size();
    if (h->prefix == protocol::subjects::rules_prefix)
      self.answer_rules(verb, msg);
    else if (h->prefix == protocol::subjects::rates_prefix)
      self.answer_versioned(verb, msg, *self.rates_);
    else if (h->prefix == protocol::subjects::model_prefix)
      self.answer_versioned(verb, msg, *self.model_);
    else
      self.answer_lists(verb, msg);
  }
  natsMsg_Destroy(msg);
}

void rules_responder::reply(natsMsg* msg, const std::string& payload,
                            bool failed) {
  if (failed)
    stats_.query_errors.add();
  if (natsConnection_Publish(conn_, natsMsg_GetReply(msg), payload.data(),
                             static_cast<int>(payload.size()))
      != NATS_OK)
    stats_.publish_errors.add();
}

void rules_responder::count_limited(const fraud::error& error) {
  if (error.code() == ec::limit_exceeded)
    stats_.requests_limited.add();
}

template <class Request, class Reply, class Answer>
bool rules_responder::serve(natsMsg* msg, Answer answer, std::string& out) {
  Request q;
  Reply r;
  r.error = protocol::decode(natsMsg_GetData(msg),
                             static_cast<std::size_t>(
                               natsMsg_GetDataLength(msg)),
                             q);
  if (!r.error)
    r = answer(q);
  protocol::encode(r, out);
  // Lists and shadow decisions are paged to fit; what is left (a long
  // history, an old rule text larger than replies now carry) is refused
  // here rather than published and lost. A change's own reply is small
  // (at most 20 errors, a warning a rule), far below any payload limit.
  if (out.size() > reply_bytes_) {
    auto size = out.size();
    r = Reply{};
    r.error = fraud::error::in_field(
      ec::limit_exceeded, "reply",
      "the reply would be " + std::to_string(size) + " bytes, more than the "
        + std::to_string(reply_bytes_) + " one reply may carry: ask for "
        "less (a smaller limit)");
    protocol::encode(r, out);
  }
  count_limited(r.error);
  return static_cast<bool>(r.error);
}

void rules_responder::answer_rules(const std::string& verb, natsMsg* msg) {
  std::string out;
  bool failed = false;
  bool rejected = false;  // a text that did not compile
  std::string signer;
  // The signature's nonce names the request: in cluster mode the same
  // change delivered to every instance is made once (live_rules.hpp).
  std::string request = read_change_headers(msg).nonce;
  if (verb == "set" || verb == "rollback") {
    auto who = signer_of(msg);
    if (!who) {
      protocol::rules_change_reply r;
      r.error = who.error();
      protocol::encode(r, out);
      return reply(msg, out, true);
    }
    signer = std::move(*who);
  }
  if (verb == "set") {
    failed = serve<protocol::rules_set_request, protocol::rules_change_reply>(
      msg,
      [&](const protocol::rules_set_request& q) {
        auto r = rules_.set(q, signer, request);
        if (!q.dry_run)
          log_change("set", r, signer, q.reason);
        rejected = !r.errors.empty();
        return r;
      },
      out);
  } else if (verb == "rollback") {
    failed = serve<protocol::rules_rollback_request,
                   protocol::rules_change_reply>(
      msg,
      [&](const protocol::rules_rollback_request& q) {
        auto r = rules_.rollback(q, signer, request);
        log_change("rolled back", r, signer, q.reason);
        rejected = !r.errors.empty();
        return r;
      },
      out);
  } else if (verb == "get") {
    failed = serve<protocol::rules_get_request, protocol::rules_get_reply>(
      msg, [&](auto& q) { return rules_.get(q); }, out);
  } else if (verb == "history") {
    failed = serve<protocol::rules_history_request,
                   protocol::rules_history_reply>(
      msg, [&](auto& q) { return rules_.history(q); }, out);
  } else {
    failed = answer_shadow(verb, msg, out);
  }
  reply(msg, out, failed || rejected);
}

bool rules_responder::answer_shadow(const std::string& verb, natsMsg* msg,
                                    std::string& out) {
  fraud::error error;
  std::vector<protocol::shadow_rule_hits> hits;
  decision_page page;
  protocol::shadow_query q;
  if (verb != "shadow")
    error = unknown_subject(natsMsg_GetSubject(msg));
  else
    error = protocol::decode(natsMsg_GetData(msg),
                             static_cast<std::size_t>(
                               natsMsg_GetDataLength(msg)),
                             q);
  if (!error) {
    auto h = shadow_->hits(q.since_ms, rules_.limits().query_max_steps);
    if (h)
      hits = std::move(*h);
    else
      error = h.error();
  }
  if (!error && !q.rule.empty()) {
    page_bounds b{q.limit, row_budget(reply_bytes_),
                  rules_.limits().query_max_steps};
    auto d = shadow_->decisions(
      q.rule, q.since_ms, q.cursor.empty() ? 0 : std::stoll(q.cursor), b);
    if (d)
      page = std::move(*d);
    else
      error = d.error();
  }
  protocol::encode_shadow_reply(
    hits, page.decisions,
    page.next_cursor > 0 ? std::to_string(page.next_cursor) : std::string{},
    error, out);
  count_limited(error);
  return static_cast<bool>(error);
}

template <class Live>
void rules_responder::answer_versioned(const std::string& verb, natsMsg* msg,
                                       Live& live) {
  constexpr bool is_model = std::is_same_v<Live, live_model>;
  std::string out;
  bool failed = false;
  bool rejected = false;  // a text that did not parse or load
  auto changed = [&](const protocol::rules_change_reply& r) {
    rejected = !r.errors.empty();
    if constexpr (is_model)
      if (rejected)
        stats_.models_refused.add();
    return r;
  };
  bool change = verb == "set" || verb == "rollback";
  std::string signer;
  // The signature's nonce names the request: in cluster mode the same
  // change delivered to every instance is made once (live_model.hpp).
  std::string request = read_change_headers(msg).nonce;
  if (change) {
    auto who = signer_of(msg);
    if (!who) {
      protocol::rules_change_reply r;
      r.error = who.error();
      protocol::encode(r, out);
      return reply(msg, out, true);
    }
    signer = std::move(*who);
  }
  if (verb == "set") {
    failed = serve<protocol::rules_set_request, protocol::rules_change_reply>(
      msg,
      [&](const protocol::rules_set_request& q) {
        return changed(live.set(q, signer, request));
      },
      out);
  } else if (change) {
    failed = serve<protocol::rules_rollback_request,
                   protocol::rules_change_reply>(
      msg,
      [&](const protocol::rules_rollback_request& q) {
        return changed(live.rollback(q, signer, request));
      },
      out);
  } else if (verb == "get") {
    failed = serve<protocol::rules_get_request, protocol::rules_get_reply>(
      msg, [&](auto& q) { return live.get(q); }, out);
  } else if (verb == "history") {
    failed = serve<protocol::rules_history_request,
                   protocol::rules_history_reply>(
      msg, [&](auto& q) { return live.history(q); }, out);
  } else {
    protocol::rules_change_reply r;
    r.error = unknown_subject(natsMsg_GetSubject(msg));
    protocol::encode(r, out);
    failed = true;
  }
  reply(msg, out, failed || rejected);
}

void rules_responder::answer_lists(const std::string& verb, natsMsg* msg) {
  std::string out;
  if (verb == "get") {
    bool failed = serve<protocol::lists_query, protocol::lists_reply>(
      msg, [&](auto& q) { return rules_.lists(q, row_budget(reply_bytes_)); },
      out);
    return reply(msg, out, failed);
  }
  if (verb != "add" && verb != "remove") {
    protocol::list_change_reply r;
    r.error = unknown_subject(natsMsg_GetSubject(msg));
    protocol::encode(r, out);
    return reply(msg, out, true);
  }
  bool add = verb == "add";
  auto signer = signer_of(msg);
  if (!signer) {
    protocol::list_change_reply r;
    r.error = signer.error();
    protocol::encode(r, out);
    return reply(msg, out, true);
  }
  bool failed = serve<protocol::list_change, protocol::list_change_reply>(
    msg,
    [&](const protocol::list_change& q) {
      auto r = rules_.change_list(q, add, *signer,
                                  read_change_headers(msg).nonce);
      if (!r.error) {
        FRAUD_LOG_LIMITED(60, info, "rules",
                          "list {}: {} {} value(s), now {} (by {}: {})",
                  q.list, add ? "added" : "removed", r.changed, r.size,
                  *signer, q.reason);
      }
      return r;
    },
    out);
  reply(msg, out, failed);
}

} // namespace fraud::service
