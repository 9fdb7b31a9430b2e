#include "protocol/subjects.hpp"
#include "actors/runtime/log.hpp"
#include "service/rules_responder.hpp"

#include <cstdio>

#include "protocol/rules_codec.hpp"
#include "models/error.hpp"
#include "service/client/nats_connection.hpp"
#include "service/reply_size.hpp"

namespace fraud::service {

namespace {

struct unsubscribe {
  void operator()(natsSubscription* sub) const {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
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
                                 actors::counters& stats, std::string db_path)
  : conn_(conn), rules_(rules), stats_(stats), db_path_(std::move(db_path)) {
}

rules_responder::~rules_responder() {
  handlers_.clear();  // unsubscribes: no callback runs after this
}

fraud::error rules_responder::start() {
  auto db = shadow_queries::open(db_path_);
  if (!db)
    return db.error();
  shadow_ = std::move(*db);
  for (const char* prefix :
       {protocol::subjects::rules_prefix, protocol::subjects::lists_prefix}) {
    auto h = std::make_unique<handler>();
    h->self = this;
    h->prefix = prefix;
    auto subject = h->prefix + "*";
    natsSubscription* sub = nullptr;
    auto s = natsConnection_Subscribe(&sub, conn_, subject.c_str(),
                                      on_message, h.get());
    h->sub.reset(sub);
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

namespace {

// Decodes a Request, answers it, encodes the Reply into `out` (an error
// when NATS would not carry it); true when the reply is an error.
template <class Request, class Reply, class Answer>
bool serve(natsConnection* conn, natsMsg* msg, Answer answer,
           std::string& out) {
  Request q;
  Reply r;
  r.error = protocol::decode(natsMsg_GetData(msg),
                             static_cast<std::size_t>(
                               natsMsg_GetDataLength(msg)),
                             q);
  if (!r.error)
    r = answer(q);
  protocol::encode(r, out);
  if (auto big = check_reply_size(conn, out.size())) {
    r = Reply{};
    r.error = big;
    protocol::encode(r, out);
  }
  return static_cast<bool>(r.error);
}

} // namespace

void rules_responder::answer_rules(const std::string& verb, natsMsg* msg) {
  std::string out;
  bool failed = false;
  bool rejected = false;  // a text that did not compile
  if (verb == "set") {
    failed = serve<protocol::rules_set_request, protocol::rules_change_reply>(
      conn_, msg,
      [&](const protocol::rules_set_request& q) {
        auto r = rules_.set(q);
        if (!q.dry_run)
          log_change("set", r, q.author, q.reason);
        rejected = !r.errors.empty();
        return r;
      },
      out);
  } else if (verb == "rollback") {
    failed = serve<protocol::rules_rollback_request,
                   protocol::rules_change_reply>(
      conn_, msg,
      [&](const protocol::rules_rollback_request& q) {
        auto r = rules_.rollback(q);
        log_change("rolled back", r, q.author, q.reason);
        rejected = !r.errors.empty();
        return r;
      },
      out);
  } else if (verb == "get") {
    failed = serve<protocol::rules_get_request, protocol::rules_get_reply>(
      conn_, msg, [&](auto& q) { return rules_.get(q); }, out);
  } else if (verb == "history") {
    failed = serve<protocol::rules_history_request,
                   protocol::rules_history_reply>(
      conn_, msg, [&](auto& q) { return rules_.history(q); }, out);
  } else {
    failed = answer_shadow(verb, msg, out);
  }
  reply(msg, out, failed || rejected);
}

bool rules_responder::answer_shadow(const std::string& verb, natsMsg* msg,
                                    std::string& out) {
  fraud::error error;
  std::vector<protocol::shadow_rule_hits> hits;
  std::vector<std::string> decisions;
  protocol::shadow_query q;
  if (verb != "shadow")
    error = unknown_subject(natsMsg_GetSubject(msg));
  else
    error = protocol::decode(natsMsg_GetData(msg),
                             static_cast<std::size_t>(
                               natsMsg_GetDataLength(msg)),
                             q);
  if (!error) {
    auto h = shadow_->hits(q.since_ms);
    if (h)
      hits = std::move(*h);
    else
      error = h.error();
  }
  if (!error && !q.rule.empty()) {
    auto d = shadow_->decisions(q.rule, q.since_ms, q.limit);
    if (d)
      decisions = std::move(*d);
    else
      error = d.error();
  }
  protocol::encode_shadow_reply(hits, decisions, error, out);
  if (!error && (error = check_reply_size(conn_, out.size())))
    protocol::encode_shadow_reply({}, {}, error, out);
  return static_cast<bool>(error);
}

void rules_responder::answer_lists(const std::string& verb, natsMsg* msg) {
  std::string out;
  if (verb == "get") {
    bool failed = serve<protocol::lists_query, protocol::lists_reply>(
      conn_, msg, [&](auto& q) { return rules_.lists(q); }, out);
    return reply(msg, out, failed);
  }
  if (verb != "add" && verb != "remove") {
    protocol::list_change_reply r;
    r.error = unknown_subject(natsMsg_GetSubject(msg));
    protocol::encode(r, out);
    return reply(msg, out, true);
  }
  bool add = verb == "add";
  bool failed = serve<protocol::list_change, protocol::list_change_reply>(
    conn_, msg,
    [&](const protocol::list_change& q) {
      auto r = rules_.change_list(q, add);
      if (!r.error) {
        FRAUD_LOG_LIMITED(60, info, "rules",
                          "list {}: {} {} value(s), now {} (by {}: {})",
                  q.list, add ? "added" : "removed", r.changed, r.size,
                  q.author, q.reason);
      }
      return r;
    },
    out);
  reply(msg, out, failed);
}

} // namespace fraud::service
