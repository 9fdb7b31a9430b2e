#include "service/outcome_responder.hpp"

#include "actors/runtime/log.hpp"
#include "protocol/outcome_codec.hpp"
#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "service/client/nats_connection.hpp"
#include "service/reply_size.hpp"

namespace fraud::service {

struct outcome_responder::handler {
  outcome_responder* self = nullptr;
  answer_fn answer = nullptr;
  std::unique_ptr<outcome_db> db;
  natsSubscription* sub = nullptr;

  ~handler() {
    end_subscription(self != nullptr ? self->conn_ : nullptr, sub);
  }
};

outcome_responder::outcome_responder(natsConnection* conn, query_context ctx,
                                     change_verifier& verifier)
  : conn_(conn), ctx_(std::move(ctx)), verifier_(verifier) {
}

outcome_responder::~outcome_responder() {
  handlers_.clear();  // unsubscribes: no callback runs after this
}

fraud::error outcome_responder::start() {
  namespace subjects = protocol::subjects;
  struct spec {
    const char* subject;
    answer_fn answer;
    bool writes;
  };
  const spec specs[] = {
    {subjects::labels, &outcome_responder::answer_labels, true},
    {subjects::cases_resolve, &outcome_responder::answer_resolve, true},
    {subjects::query_cases, &outcome_responder::answer_cases, false},
    {subjects::query_labels, &outcome_responder::answer_labels_query, false},
    {subjects::query_performance, &outcome_responder::answer_performance,
     false},
  };
  reply_bytes_ = reply_budget(natsConnection_GetMaxPayload(conn_));
  for (auto& sp : specs) {
    auto h = std::make_unique<handler>();
    h->self = this;
    h->answer = sp.answer;
    auto db = outcome_db::open(ctx_.db_path, sp.writes);
    if (!db)
      return db.error();
    h->db = std::move(*db);
    auto s = natsConnection_Subscribe(&h->sub, conn_, sp.subject, on_message,
                                      h.get());
    if (s != NATS_OK)
      return make_error(ec::nats_error, std::string{"cannot subscribe to "}
                                          + sp.subject + ": " + describe(s));
    handlers_.push_back(std::move(h));
  }
  return {};
}

void outcome_responder::on_message(natsConnection*, natsSubscription*,
                                   natsMsg* msg, void* closure) {
  auto* h = static_cast<handler*>(closure);
  auto& self = *h->self;
  self.ctx_.stats->queries.add();
  bool labels = std::string_view{natsMsg_GetSubject(msg)}
                == protocol::subjects::labels;
  // Only a label feed may publish without waiting for the answer.
  if (natsMsg_GetReply(msg) == nullptr && !labels)
    self.ctx_.stats->query_errors.add();
  else
    (self.*(h->answer))(msg, *h->db);
  natsMsg_Destroy(msg);
}

protocol::reply_origin outcome_responder::origin() const {
  return protocol::reply_origin{
    ctx_.instance, ctx_.live_instances ? ctx_.live_instances() : 1};
}

page_bounds outcome_responder::bounds(std::uint32_t limit) const {
  return page_bounds{limit, row_budget(reply_bytes_),
                     ctx_.limits.query_max_steps};
}

fraud::expected<std::string> outcome_responder::signer_of(natsMsg* msg) {
  std::string_view body{natsMsg_GetData(msg),
                        static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
  auto who = verifier_.verify(natsMsg_GetSubject(msg), body,
                              read_change_headers(msg), wall_ms());
  if (!who) {
    ctx_.stats->changes_denied.add();
    FRAUD_LOG_LIMITED(6, warn, "outcomes", "refused a change on {}: {}",
                      natsMsg_GetSubject(msg), who.error().what());
    return who.error();
  }
  return who->name + " (" + who->public_key + ")";
}

template <class Reply>
void outcome_responder::finish(natsMsg* msg, Reply& r) {
  r.origin = origin();
  std::string out;
  protocol::encode(r, out);
  if (!r.error) {
    if (auto err = check_reply_size(conn_, out.size())) {
      r = Reply{};
      r.error = err;
      r.origin = origin();
      protocol::encode(r, out);
    }
  }
  if (r.error) {
    ctx_.stats->query_errors.add();
    if (r.error.code() == ec::limit_exceeded)
      ctx_.stats->requests_limited.add();
  }
  if (natsMsg_GetReply(msg) == nullptr)
    return;
  if (natsConnection_Publish(conn_, natsMsg_GetReply(msg), out.data(),
                             static_cast<int>(out.size()))
      != NATS_OK)
    ctx_.stats->publish_errors.add();
}

void outcome_responder::answer_labels(natsMsg* msg, outcome_db& db) {
  protocol::labels_add_reply r;
  auto now = wall_ms();
  auto who = signer_of(msg);
  protocol::labels_add q;
  if (!who)
    r.error = who.error();
  else
    r.error = protocol::decode(natsMsg_GetData(msg),
                               static_cast<std::size_t>(
                                 natsMsg_GetDataLength(msg)),
                               q, now);
  if (r.error) {
    ctx_.stats->labels_refused.add();
    FRAUD_LOG_LIMITED(6, warn, "outcomes", "refused labels: {}",
                      fraud::to_string(r.error));
  } else if (auto stored = db.add_labels(q.labels, *who, now); !stored) {
    r.error = stored.error();
    FRAUD_LOG_LIMITED(6, err, "outcomes", "labels not stored: {}",
                      fraud::to_string(r.error));
  } else {
    r.added = stored->added;
    r.changed = stored->changed;
    r.unchanged = stored->unchanged;
    r.decided = stored->decided;
    r.unknown = stored->unknown;
    ctx_.stats->labels_added.add(r.added + r.changed);
    ctx_.stats->labels_unchanged.add(r.unchanged);
  }
  finish(msg, r);
}

void outcome_responder::answer_resolve(natsMsg* msg, outcome_db& db) {
  protocol::case_resolve_reply r;
  auto who = signer_of(msg);
  protocol::case_resolve q;
  if (!who)
    r.error = who.error();
  else
    r.error = protocol::decode(natsMsg_GetData(msg),
                               static_cast<std::size_t>(
                                 natsMsg_GetDataLength(msg)),
                               q);
  if (!r.error) {
    labels_stored label;
    auto resolved = db.resolve(q, *who, wall_ms(), label);
    if (!resolved) {
      r.error = resolved.error();
    } else if (!*resolved) {
      r.error = fraud::error::in_field(
        ec::not_found, "tx_id", "no case for transaction '" + q.tx_id + "'");
    } else {
      r.resolved = std::move(**resolved);
      ctx_.stats->cases_resolved.add();
      ctx_.stats->labels_added.add(label.added + label.changed);
      ctx_.stats->labels_unchanged.add(label.unchanged);
      FRAUD_LOG_LIMITED(60, info, "outcomes", "case {} resolved {} by {}",
                        q.tx_id, protocol::to_string(q.result), *who);
    }
  }
  finish(msg, r);
}

namespace {

// Decodes a query into `r`'s error, or runs `answer` on it into `r`.
template <class Query, class Reply, class Answer>
void serve_query(natsMsg* msg, Reply& r, Answer answer) {
  Query q;
  r.error = protocol::decode(natsMsg_GetData(msg),
                             static_cast<std::size_t>(
                               natsMsg_GetDataLength(msg)),
                             q);
  if (r.error)
    return;
  auto found = answer(q);
  if (!found)
    r.error = found.error();
  else
    r = std::move(*found);
}

} // namespace

void outcome_responder::answer_cases(natsMsg* msg, outcome_db& db) {
  protocol::cases_reply r;
  serve_query<protocol::cases_query>(msg, r, [&](auto& q) {
    return db.cases(q, bounds(q.limit));
  });
  finish(msg, r);
}

void outcome_responder::answer_labels_query(natsMsg* msg, outcome_db& db) {
  protocol::labels_reply r;
  serve_query<protocol::labels_query>(msg, r, [&](auto& q) {
    return db.labels(q, bounds(q.limit));
  });
  finish(msg, r);
}

void outcome_responder::answer_performance(natsMsg* msg, outcome_db& db) {
  protocol::performance_reply r;
  serve_query<protocol::performance_query>(msg, r, [&](auto& q) {
    std::vector<models::rule_name> running;
    if (ctx_.rules != nullptr)
      running = ctx_.rules->get()->rule_names();
    return db.performance(q.since_ms, ctx_.limits.query_max_steps, running);
  });
  finish(msg, r);
}

} // namespace fraud::service
