#include "protocol/subjects.hpp"
#include "service/query_responder.hpp"

#include <chrono>

#include "protocol/merged_cursor.hpp"
#include "protocol/query_codec.hpp"
#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "service/client/nats_connection.hpp"
#include "service/reply_size.hpp"

namespace fraud::service {

struct query_responder::handler {
  query_responder* self = nullptr;
  std::string subject;
  void (query_responder::*answer)(natsMsg*, decision_db_reader&) = nullptr;
  std::unique_ptr<decision_db_reader> db;  // null for stats
  natsSubscription* sub = nullptr;

  ~handler() {
    end_subscription(self != nullptr ? self->conn_ : nullptr, sub);
  }
};

namespace {

constexpr auto sample_every = std::chrono::seconds(10);
constexpr std::size_t samples_per_minute = 6;

protocol::latency_summary
summarize(const latency_histogram::snapshot_type& s) {
  protocol::latency_summary out;
  out.count = s.count();
  out.p50_us = s.quantile_ns(0.50) / 1000.0;
  out.p90_us = s.quantile_ns(0.90) / 1000.0;
  out.p99_us = s.quantile_ns(0.99) / 1000.0;
  out.p999_us = s.quantile_ns(0.999) / 1000.0;
  out.max_us = static_cast<double>(s.max_ns) / 1000.0;
  return out;
}

// The page as the wire carries it: cursors as text, one for each row.
protocol::encoded_page encoded(decision_page&& page) {
  protocol::encoded_page out;
  out.decisions = std::move(page.decisions);
  out.cursors.reserve(page.ids.size());
  for (auto id : page.ids)
    out.cursors.push_back(std::to_string(id + 1));
  if (page.next_cursor > 0)
    out.next_cursor = std::to_string(page.next_cursor);
  return out;
}

} // namespace

query_responder::query_responder(natsConnection* conn, query_context ctx)
  : conn_(conn), ctx_(std::move(ctx)) {
}

query_responder::~query_responder() {
  handlers_.clear(); // unsubscribes: no callback runs after this
  {
    std::lock_guard<std::mutex> guard{window_mtx_};
    stopping_ = true;
  }
  window_cv_.notify_all();
  if (sampler_.joinable())
    sampler_.join();
}

fraud::error query_responder::start() {
  struct spec {
    const char* subject;
    void (query_responder::*answer)(natsMsg*, decision_db_reader&);
  };
  reply_bytes_ = reply_budget(natsConnection_GetMaxPayload(conn_));
  const spec specs[] = {
    {protocol::subjects::query_decision, &query_responder::answer_decision},
    {protocol::subjects::query_card, &query_responder::answer_card},
    {protocol::subjects::query_decisions, &query_responder::answer_decisions},
    {protocol::subjects::stats, nullptr},
  };
  for (auto& sp : specs) {
    auto h = std::make_unique<handler>();
    h->self = this;
    h->subject = sp.subject;
    h->answer = sp.answer;
    if (sp.answer != nullptr) {
      auto db = decision_db_reader::open(ctx_.db_path);
      if (!db)
        return db.error();
      h->db = std::move(*db);
    }
    auto s = natsConnection_Subscribe(&h->sub, conn_, sp.subject, on_message,
                                      h.get());
    if (s != NATS_OK)
      return make_error(ec::nats_error, std::string{"cannot subscribe to "}
                                          + sp.subject + ": " + describe(s));
    handlers_.push_back(std::move(h));
  }
  window_.push_back(ctx_.latency->snapshot());
  sampler_ = std::thread{[this] { sample_latency(); }};
  return fraud::error{};
}

void query_responder::sample_latency() {
  std::unique_lock<std::mutex> guard{window_mtx_};
  while (!window_cv_.wait_for(guard, sample_every, [this] { return stopping_; })) {
    window_.push_back(ctx_.latency->snapshot());
    while (window_.size() > samples_per_minute + 1)
      window_.pop_front();
  }
}

void query_responder::on_message(natsConnection*, natsSubscription*,
                                 natsMsg* msg, void* closure) {
  auto* h = static_cast<handler*>(closure);
  auto& stats = *h->self->ctx_.stats;
  stats.queries.add();
  if (natsMsg_GetReply(msg) == nullptr) {
    stats.query_errors.add(); // a query nobody waits for
  } else if (h->answer != nullptr) {
    (h->self->*(h->answer))(msg, *h->db);
  } else {
    h->self->answer_stats(msg);
  }
  natsMsg_Destroy(msg);
}

void query_responder::reply(natsMsg* msg, const std::string& payload) {
  if (natsConnection_Publish(conn_, natsMsg_GetReply(msg), payload.data(),
                             static_cast<int>(payload.size()))
      != NATS_OK)
    ctx_.stats->publish_errors.add();
}

void query_responder::count_error(const fraud::error& error) {
  if (!error)
    return;
  ctx_.stats->query_errors.add();
  if (error.code() == ec::limit_exceeded)
    ctx_.stats->requests_limited.add();
}

page_bounds query_responder::bounds(std::uint32_t limit) const {
  return page_bounds{limit, row_budget(reply_bytes_),
                     ctx_.limits.query_max_steps};
}

protocol::reply_origin query_responder::origin() const {
  return protocol::reply_origin{
    ctx_.instance, ctx_.live_instances ? ctx_.live_instances() : 1};
}

void query_responder::answer_decision(natsMsg* msg, decision_db_reader& db) {
  protocol::decision_query q;
  std::string found;
  auto error = protocol::decode(natsMsg_GetData(msg),
                                natsMsg_GetDataLength(msg), q);
  if (!error) {
    auto r = db.by_tx(q.tx_id);
    if (!r)
      error = r.error();
    else if (r->empty())
      error = fraud::error::in_field(fraud::ec::not_found, "tx_id",
                                   "no decision for transaction '" + q.tx_id
                                     + "'");
    else
      found = std::move(*r);
  }
  std::string out;
  auto from = origin();
  protocol::encode_decision_reply(found, error, from, out);
  if (!error && (error = check_reply_size(conn_, out.size())))
    protocol::encode_decision_reply({}, error, from, out);
  count_error(error);
  reply(msg, out);
}

void query_responder::answer_card(natsMsg* msg, decision_db_reader& db) {
  protocol::card_query q;
  auto error = protocol::decode(natsMsg_GetData(msg),
                                natsMsg_GetDataLength(msg), q);
  models::card_summary summary;
  bool active = false;
  decision_page page;
  if (!error) {
    if (auto actor = ctx_.find_card(q.card_id)) {
      caf::scoped_actor self{*ctx_.sys};
      self->request(*actor, std::chrono::seconds(2), actors::summary_atom::value)
        .receive([&](models::card_summary& s) {
                   summary = std::move(s);
                   active = true;
                 },
                 [&](caf::error&) {});
    }
    decision_filter f;
    f.card_id = q.card_id;
    f.bounds = bounds(q.limit);
    auto found = db.search(f);
    if (!found)
      error = found.error();
    else
      page = std::move(*found);
    if (!error && !active && page.decisions.empty())
      error = fraud::error::in_field(fraud::ec::not_found, "card_id",
                                   "card '" + q.card_id
                                     + "' has no state and no decisions");
  }
  count_error(error);
  std::string out;
  protocol::encode_card_reply(q.card_id, active, summary,
                              encoded(std::move(page)), error, origin(), out);
  reply(msg, out);
}

void query_responder::answer_decisions(natsMsg* msg, decision_db_reader& db) {
  protocol::decisions_query q;
  auto error = protocol::decode(natsMsg_GetData(msg),
                                natsMsg_GetDataLength(msg), q);
  decision_page page;
  if (!error) {
    decision_filter f;
    f.action = q.action;
    f.card_id = q.card_id;
    f.since_ms = q.since_ms;
    f.until_ms = q.until_ms;
    f.rule = q.rule;
    f.bounds = bounds(q.limit);
    bool done = false;
    protocol::merged_cursor merged;
    if (!protocol::is_merged_cursor(q.cursor)) {
      f.cursor = q.cursor.empty() ? 0 : std::stoll(q.cursor);
    } else if (!(error = protocol::parse_merged_cursor(q.cursor, merged))) {
      // Merged over several instances: this one's own position in it.
      auto at = protocol::position_of(merged, ctx_.instance);
      f.cursor = at.cursor;
      if (at.until_ms > 0 && (f.until_ms == 0 || at.until_ms < f.until_ms))
        f.until_ms = at.until_ms;
      done = at.done || (f.until_ms > 0 && f.until_ms <= f.since_ms);
    }
    if (!error && !done) {
      auto r = db.search(f);
      if (!r)
        error = r.error();
      else
        page = std::move(*r);
    }
  }
  std::string out;
  auto from = origin();
  protocol::encode_decisions_reply(encoded(std::move(page)), error, from, out);
  if (!error && (error = check_reply_size(conn_, out.size())))
    protocol::encode_decisions_reply({}, error, from, out);
  count_error(error);
  reply(msg, out);
}

void query_responder::answer_stats(natsMsg* msg) {
  auto& c = *ctx_.stats;
  protocol::stats_reply s;
  s.uptime_ms = wall_ms() - ctx_.started_at_ms;
  s.received = c.received.get();
  s.approved = c.approved.get();
  s.reviewed = c.reviewed.get();
  s.declined = c.declined.get();
  s.rejected = c.rejected();
  s.rejected_malformed = c.rejected_malformed.get();
  s.rejected_invalid = c.rejected_invalid.get();
  s.rejected_subject = c.rejected_subject.get();
  s.rejected_shutdown = c.rejected_shutdown.get();
  s.duplicates = c.duplicates.get();
  s.active_cards = ctx_.active_cards();
  s.cards_activated = c.cards_activated.get();
  auto now = ctx_.latency->snapshot();
  s.latency_since_start = summarize(now);
  {
    std::lock_guard<std::mutex> guard{window_mtx_};
    s.latency_last_minute = summarize(now.since(window_.front()));
  }
  // Queued or being written (a batch in flight, or kept after a failure).
  s.store_backlog = ctx_.queue != nullptr ? ctx_.queue->unsettled() : 0;
  s.store_backlog_bytes = ctx_.queue != nullptr ? ctx_.queue->bytes() : 0;
  s.rejected_overloaded = c.rejected_overloaded.get();
  s.entities_active = ctx_.active_entities ? ctx_.active_entities() : 0;
  s.entities_activated = c.entities_activated.get();
  s.entity_passivations = c.entity_passivations.get();
  s.entity_misses = c.entity_misses.get();
  s.entity_observations_sent = c.entity_observations_sent.get();
  s.entity_observations_dropped = c.entity_observations_dropped.get();
  s.entity_observations_received = c.entity_observations_received.get();
  s.entity_observations_refused = c.entity_observations_refused.get();
  s.store_written = c.store_written.get();
  s.store_dropped = c.store_dropped.get();
  s.store_errors = c.store_errors.get();
  if (ctx_.store != nullptr) {
    s.rule_hits = ctx_.store->rule_hits();
    if (s.rule_hits.size() > protocol::max_stats_rule_hits)
      s.rule_hits.resize(protocol::max_stats_rule_hits);  // the fewest go
  }
  s.ruleset_version = ctx_.rules->get()->version();
  s.nats_dropped = ctx_.nats_dropped();
  s.publish_errors = c.publish_errors.get();
  s.passivations = c.passivations.get();
  s.restored = c.restored.get();
  if (ctx_.snapshots != nullptr) {
    s.snapshot_backlog = ctx_.snapshots->size();
    s.snapshot_backlog_bytes = ctx_.snapshots->bytes();
  }
  s.snapshots_written = c.snapshots_written.get();
  s.snapshot_errors = c.snapshot_errors.get();
  s.snapshot_corrupt = c.snapshot_corrupt.get();
  s.snapshot_dropped = c.snapshot_dropped.get();
  if (ctx_.queues != nullptr) {
    auto q = ctx_.queues->status();
    s.ingress_pending = q.pending_msgs;
    s.ingress_pending_bytes = q.pending_bytes;
    s.ingress_pending_max = q.pending_max;
    s.queue_delay_ms = q.delay_ms;
    s.queue_delay_max_ms = q.delay_max_ms;
    s.slow_consumer_events = q.slow_consumers;
  }
  s.resend_reads = c.resend_reads.get();
  s.resend_refused = c.refused.get();
  s.requests_limited = c.requests_limited.get();
  s.cases_opened = ctx_.store != nullptr ? ctx_.store->cases_opened() : 0;
  s.cases_resolved = c.cases_resolved.get();
  s.labels_added = c.labels_added.get();
  s.labels_unchanged = c.labels_unchanged.get();
  s.labels_refused = c.labels_refused.get();
  s.model_version = ctx_.rules->get()->model_version();
  s.models_refused = c.models_refused.get();
  s.origin = origin();
  std::string out;
  protocol::encode(s, out);
  reply(msg, out);
}

} // namespace fraud::service
