#include "service/rules_responder.hpp"

#include <cstdio>

#include "protocol/rules_codec.hpp"
#include "service/error.hpp"
#include "service/nats_connection.hpp"

namespace fraud::service {

struct rules_responder::handler {
  rules_responder* self = nullptr;
  std::string prefix;  // "fraud.rules." or "fraud.lists."
  natsSubscription* sub = nullptr;

  ~handler() {
    if (sub != nullptr) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
  }
};

namespace {

protocol::wire_error unknown_subject(const std::string& subject) {
  return protocol::wire_error{protocol::error_code::bad_request, "",
                              "no such request: " + subject};
}

// Rule changes are rare and matter: each one is logged.
void log_change(const char* what, const protocol::rules_change_reply& r,
                const std::string& author, const std::string& reason) {
  if (r.error || !r.errors.empty() || !r.version)
    return;
  std::printf("fraudd: %s running (%s by %s: %s)\n", r.version->name.c_str(),
              what, author.c_str(), reason.c_str());
  std::fflush(stdout);
}

} // namespace

rules_responder::rules_responder(natsConnection* conn, live_rules& rules,
                                 actors::counters& stats, std::string db_path)
  : conn_(conn), rules_(rules), stats_(stats), db_path_(std::move(db_path)) {
}

rules_responder::~rules_responder() {
  handlers_.clear();  // unsubscribes: no callback runs after this
}

caf::error rules_responder::start() {
  auto db = shadow_queries::open(db_path_);
  if (!db)
    return db.error();
  shadow_ = std::move(*db);
  for (const char* prefix : {"fraud.rules.", "fraud.lists."}) {
    auto h = std::make_unique<handler>();
    h->self = this;
    h->prefix = prefix;
    auto subject = h->prefix + "*";
    auto s = natsConnection_Subscribe(&h->sub, conn_, subject.c_str(),
                                      on_message, h.get());
    if (s != NATS_OK)
      return make_error(ec::nats_error, "cannot subscribe to " + subject
                                          + ": " + describe(s));
    handlers_.push_back(std::move(h));
  }
  return caf::none;
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
    if (h->prefix == "fraud.rules.")
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

void rules_responder::answer_rules(const std::string& verb, natsMsg* msg) {
  auto* data = natsMsg_GetData(msg);
  auto size = static_cast<std::size_t>(natsMsg_GetDataLength(msg));
  std::string out;
  if (verb == "set" || verb == "rollback") {
    protocol::rules_change_reply r;
    if (verb == "set") {
      protocol::rules_set_request q;
      r.error = protocol::decode(data, size, q);
      if (!r.error) {
        r = rules_.set(q);
        if (!q.dry_run)
          log_change("set", r, q.author, q.reason);
      }
    } else {
      protocol::rules_rollback_request q;
      r.error = protocol::decode(data, size, q);
      if (!r.error) {
        r = rules_.rollback(q);
        log_change("rolled back", r, q.author, q.reason);
      }
    }
    protocol::encode(r, out);
    return reply(msg, out, r.error.has_value() || !r.errors.empty());
  }
  if (verb == "get") {
    protocol::rules_get_request q;
    protocol::rules_get_reply r;
    r.error = protocol::decode(data, size, q);
    if (!r.error)
      r = rules_.get(q);
    protocol::encode(r, out);
    return reply(msg, out, r.error.has_value());
  }
  if (verb == "history") {
    protocol::rules_history_request q;
    protocol::rules_history_reply r;
    r.error = protocol::decode(data, size, q);
    if (!r.error)
      r = rules_.history(q);
    protocol::encode(r, out);
    return reply(msg, out, r.error.has_value());
  }
  std::optional<protocol::wire_error> error;
  std::vector<protocol::shadow_rule_hits> hits;
  std::vector<std::string> decisions;
  if (verb != "shadow") {
    error = unknown_subject(natsMsg_GetSubject(msg));
  } else {
    protocol::shadow_query q;
    error = protocol::decode(data, size, q);
    if (!error) {
      auto h = shadow_->hits(q.since_ms);
      if (!h)
        error = protocol::wire_error{protocol::error_code::bad_request, "",
                                     "the store could not answer: "
                                       + render(h.error())};
      else
        hits = std::move(*h);
    }
    if (!error && !q.rule.empty()) {
      auto d = shadow_->decisions(q.rule, q.since_ms, q.limit);
      if (!d)
        error = protocol::wire_error{protocol::error_code::bad_request, "",
                                     "the store could not answer: "
                                       + render(d.error())};
      else
        decisions = std::move(*d);
    }
  }
  protocol::encode_shadow_reply(hits, decisions, error, out);
  reply(msg, out, error.has_value());
}

void rules_responder::answer_lists(const std::string& verb, natsMsg* msg) {
  auto* data = natsMsg_GetData(msg);
  auto size = static_cast<std::size_t>(natsMsg_GetDataLength(msg));
  std::string out;
  if (verb == "get") {
    protocol::lists_query q;
    protocol::lists_reply r;
    r.error = protocol::decode(data, size, q);
    if (!r.error)
      r = rules_.lists(q);
    protocol::encode(r, out);
    return reply(msg, out, r.error.has_value());
  }
  protocol::list_change q;
  protocol::list_change_reply r;
  if (verb != "add" && verb != "remove")
    r.error = unknown_subject(natsMsg_GetSubject(msg));
  else
    r.error = protocol::decode(data, size, q);
  if (!r.error) {
    r = rules_.change_list(q, verb == "add");
    if (!r.error) {
      std::printf("fraudd: list %s: %s %llu value(s), now %llu (by %s: %s)\n",
                  q.list.c_str(), verb == "add" ? "added" : "removed",
                  static_cast<unsigned long long>(r.changed),
                  static_cast<unsigned long long>(r.size), q.author.c_str(),
                  q.reason.c_str());
      std::fflush(stdout);
    }
  }
  protocol::encode(r, out);
  reply(msg, out, r.error.has_value());
}

} // namespace fraud::service
