#include "protocol/query_codec.hpp"

#include "models/validation.hpp"
#include "protocol/merged_cursor.hpp"
#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

namespace detail {

fraud::error bad_request(const char* field, std::string message) {
  return fraud::error::in_field(fraud::ec::bad_request, field, std::move(message));
}

fraud::error malformed(const char* what) {
  return bad_request("", std::string{"not a fraud.v1."} + what
                           + " protobuf message");
}

fraud::error check_cursor(const std::string& cursor) {
  if (is_merged_cursor(cursor)) {
    merged_cursor parsed;
    return parse_merged_cursor(cursor, parsed);
  }
  if (cursor.size() > 18
      || cursor.find_first_not_of("0123456789") != std::string::npos)
    return bad_request("cursor", "must be a next_cursor from an earlier "
                                 "reply");
  return {};
}

fraud::error limit_exceeded(const char* field, std::string message) {
  return fraud::error::in_field(fraud::ec::limit_exceeded, field,
                                std::move(message));
}

fraud::error check_limit(std::uint32_t& limit,
                                      std::uint32_t fallback) {
  if (limit == 0)
    limit = fallback;
  if (limit > max_query_limit)
    return limit_exceeded("limit", "at most "
                                     + std::to_string(max_query_limit)
                                     + " rows a request, asked for "
                                     + std::to_string(limit));
  return {};
}

} // namespace detail

namespace {

using detail::bad_request;
using detail::check_limit;
using detail::get_error;
using detail::malformed;
using detail::parse;
using detail::serialize;
using detail::set_error;

bool add_decision(v1::Decision* slot, const std::string& encoded) {
  return slot->ParseFromString(encoded);
}

bool view_of(const v1::Decision& msg, decision_view& out) {
  return detail::from_message(msg, out.decision, out.env);
}

template <class Repeated>
bool views_of(const Repeated& decisions, std::vector<decision_view>& out) {
  out.clear();
  for (auto& d : decisions) {
    decision_view v;
    if (!view_of(d, v))
      return false;
    out.push_back(std::move(v));
  }
  return true;
}

void fill_latency(v1::LatencySummary& m, const latency_summary& l) {
  m.set_count(l.count);
  m.set_p50_us(l.p50_us);
  m.set_p90_us(l.p90_us);
  m.set_p99_us(l.p99_us);
  m.set_p999_us(l.p999_us);
  m.set_max_us(l.max_us);
}

template <class Reply>
void set_origin(Reply& msg, const reply_origin& origin) {
  msg.set_instance(origin.instance);
  msg.set_instances(origin.instances);
}

template <class Reply>
reply_origin get_origin(const Reply& msg) {
  return reply_origin{msg.instance(), msg.instances()};
}

template <class Reply>
void add_page(Reply& msg, const encoded_page& page) {
  for (auto& d : page.decisions)
    add_decision(msg.add_decisions(), d);
  for (auto& c : page.cursors)
    msg.add_cursors(c);
  msg.set_next_cursor(page.next_cursor);
}

latency_summary read_latency(const v1::LatencySummary& m) {
  return latency_summary{m.count(),  m.p50_us(),  m.p90_us(),
                         m.p99_us(), m.p999_us(), m.max_us()};
}

} // namespace

// ---- requests ----------------------------------------------------------

fraud::error decode(const void* data, std::size_t size,
                                 decision_query& out) {
  v1::DecisionQuery msg;
  if (!parse(msg, data, size))
    return malformed("DecisionQuery");
  out.tx_id = msg.tx_id();
  if (out.tx_id.empty() || out.tx_id.size() > 64)
    return bad_request("tx_id", "must be 1 to 64 characters");
  return {};
}

fraud::error decode(const void* data, std::size_t size,
                                 card_query& out) {
  v1::CardQuery msg;
  if (!parse(msg, data, size))
    return malformed("CardQuery");
  out.card_id = msg.card_id();
  out.limit = msg.limit();
  if (!models::is_card_token(out.card_id))
    return bad_request("card_id", "must be a card token [A-Za-z0-9_-]{1,64}");
  return check_limit(out.limit, 20);
}

fraud::error decode(const void* data, std::size_t size,
                                 decisions_query& out) {
  v1::DecisionsQuery msg;
  if (!parse(msg, data, size))
    return malformed("DecisionsQuery");
  out.action.reset();
  if (msg.has_action()) {
    auto a = static_cast<int>(msg.action());
    if (a < 0 || a > 2)
      return bad_request("action", "must be APPROVE, REVIEW or DECLINE");
    out.action = static_cast<models::action>(a);
  }
  out.card_id = msg.card_id();
  if (!out.card_id.empty() && !models::is_card_token(out.card_id))
    return bad_request("card_id", "must be a card token [A-Za-z0-9_-]{1,64}");
  out.since_ms = msg.since_ms();
  out.until_ms = msg.until_ms();
  if (out.since_ms < 0 || out.until_ms < 0
      || (out.until_ms > 0 && out.until_ms <= out.since_ms))
    return bad_request("until_ms", "the time range is empty or negative");
  out.rule = msg.rule();
  if (out.rule.size() > 64)
    return bad_request("rule", "must be at most 64 characters");
  out.limit = msg.limit();
  out.cursor = msg.cursor();
  if (auto err = detail::check_cursor(out.cursor))
    return err;
  return check_limit(out.limit, 50);
}

void encode(const decision_query& q, std::string& out) {
  v1::DecisionQuery msg;
  msg.set_tx_id(q.tx_id);
  serialize(msg, out);
}

void encode(const card_query& q, std::string& out) {
  v1::CardQuery msg;
  msg.set_card_id(q.card_id);
  msg.set_limit(q.limit);
  serialize(msg, out);
}

void encode(const decisions_query& q, std::string& out) {
  v1::DecisionsQuery msg;
  if (q.action)
    msg.set_action(static_cast<v1::Action>(static_cast<int>(*q.action)));
  msg.set_card_id(q.card_id);
  msg.set_since_ms(q.since_ms);
  msg.set_until_ms(q.until_ms);
  msg.set_rule(q.rule);
  msg.set_limit(q.limit);
  msg.set_cursor(q.cursor);
  serialize(msg, out);
}

void encode(const stats_query&, std::string& out) {
  out.clear();
}

// ---- replies -----------------------------------------------------------

void encode_decision_reply(const std::string& decision,
                           const fraud::error& error,
                           const reply_origin& origin, std::string& out) {
  v1::DecisionReply msg;
  if (!decision.empty())
    add_decision(msg.mutable_decision(), decision);
  set_error(msg, error);
  set_origin(msg, origin);
  serialize(msg, out);
}

void encode_card_reply(const std::string& card_id, bool active,
                       const models::card_summary& card,
                       const encoded_page& page, const fraud::error& error,
                       const reply_origin& origin, std::string& out) {
  v1::CardReply msg;
  auto* c = msg.mutable_card();
  c->set_card_id(card_id);
  c->set_active(active);
  c->set_tx_count(card.tx_count);
  c->set_last_event_ms(card.last_event_ms);
  c->set_has_location(card.has_location);
  c->set_last_lat(card.last_lat);
  c->set_last_lon(card.last_lon);
  c->set_last_located_ms(card.last_located_ms);
  c->set_avg_amount(card.avg_amount);
  c->set_amount_stddev(card.amount_stddev);
  c->set_device_count(card.device_count);
  c->set_country_count(card.country_count);
  c->set_home_country(card.home_country);
  c->set_count_1h(card.count_1h);
  c->set_count_24h(card.count_24h);
  add_page(msg, page);
  set_error(msg, error);
  set_origin(msg, origin);
  serialize(msg, out);
}

void encode_decisions_reply(const encoded_page& page,
                            const fraud::error& error,
                            const reply_origin& origin, std::string& out) {
  v1::DecisionsReply msg;
  add_page(msg, page);
  set_error(msg, error);
  set_origin(msg, origin);
  serialize(msg, out);
}

void encode(const stats_reply& s, std::string& out) {
  v1::Stats msg;
  msg.set_uptime_ms(s.uptime_ms);
  msg.set_received(s.received);
  msg.set_approved(s.approved);
  msg.set_reviewed(s.reviewed);
  msg.set_declined(s.declined);
  msg.set_rejected(s.rejected);
  msg.set_rejected_malformed(s.rejected_malformed);
  msg.set_rejected_invalid(s.rejected_invalid);
  msg.set_rejected_subject(s.rejected_subject);
  msg.set_rejected_shutdown(s.rejected_shutdown);
  msg.set_rejected_overloaded(s.rejected_overloaded);
  msg.set_store_backlog_bytes(s.store_backlog_bytes);
  msg.set_snapshot_backlog_bytes(s.snapshot_backlog_bytes);
  msg.set_entities_active(s.entities_active);
  msg.set_entities_activated(s.entities_activated);
  msg.set_entity_passivations(s.entity_passivations);
  msg.set_entity_misses(s.entity_misses);
  msg.set_entity_observations_sent(s.entity_observations_sent);
  msg.set_entity_observations_dropped(s.entity_observations_dropped);
  msg.set_entity_observations_received(s.entity_observations_received);
  msg.set_entity_observations_refused(s.entity_observations_refused);
  msg.set_duplicates(s.duplicates);
  msg.set_active_cards(s.active_cards);
  msg.set_cards_activated(s.cards_activated);
  fill_latency(*msg.mutable_latency_last_minute(), s.latency_last_minute);
  fill_latency(*msg.mutable_latency_since_start(), s.latency_since_start);
  msg.set_store_backlog(s.store_backlog);
  msg.set_store_written(s.store_written);
  msg.set_store_dropped(s.store_dropped);
  msg.set_store_errors(s.store_errors);
  for (auto& [rule, hits] : s.rule_hits) {
    auto* h = msg.add_rule_hits();
    h->set_rule(rule);
    h->set_hits(hits);
  }
  msg.set_ruleset_version(s.ruleset_version);
  msg.set_nats_dropped(s.nats_dropped);
  msg.set_publish_errors(s.publish_errors);
  msg.set_passivations(s.passivations);
  msg.set_restored(s.restored);
  msg.set_snapshot_backlog(s.snapshot_backlog);
  msg.set_snapshots_written(s.snapshots_written);
  msg.set_snapshot_errors(s.snapshot_errors);
  msg.set_snapshot_corrupt(s.snapshot_corrupt);
  msg.set_snapshot_dropped(s.snapshot_dropped);
  msg.set_ingress_pending(s.ingress_pending);
  msg.set_ingress_pending_bytes(s.ingress_pending_bytes);
  msg.set_ingress_pending_max(s.ingress_pending_max);
  msg.set_queue_delay_ms(s.queue_delay_ms);
  msg.set_queue_delay_max_ms(s.queue_delay_max_ms);
  msg.set_slow_consumer_events(s.slow_consumer_events);
  msg.set_resend_reads(s.resend_reads);
  msg.set_resend_refused(s.resend_refused);
  msg.set_requests_limited(s.requests_limited);
  msg.set_cases_opened(s.cases_opened);
  msg.set_cases_resolved(s.cases_resolved);
  msg.set_labels_added(s.labels_added);
  msg.set_labels_unchanged(s.labels_unchanged);
  msg.set_labels_refused(s.labels_refused);
  msg.set_model_version(s.model_version);
  msg.set_models_refused(s.models_refused);
  set_origin(msg, s.origin);
  serialize(msg, out);
}

namespace {

bool read_decisionreply(const void* data, std::size_t size, decision_reply& out) {
  v1::DecisionReply msg;
  if (!parse(msg, data, size))
    return false;
  out.decision.reset();
  if (msg.has_decision()) {
    decision_view v;
    if (!view_of(msg.decision(), v))
      return false;
    out.decision = std::move(v);
  }
  out.error = get_error(msg);
  out.origin = get_origin(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, decision_reply& out) {
  if (!read_decisionreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.DecisionReply protobuf message"};
  return {};
}

namespace {

bool read_cardreply(const void* data, std::size_t size, card_reply& out) {
  v1::CardReply msg;
  if (!parse(msg, data, size))
    return false;
  auto& c = msg.card();
  out.card_id = c.card_id();
  out.active = c.active();
  out.card.tx_count = c.tx_count();
  out.card.last_event_ms = c.last_event_ms();
  out.card.has_location = c.has_location();
  out.card.last_lat = c.last_lat();
  out.card.last_lon = c.last_lon();
  out.card.last_located_ms = c.last_located_ms();
  out.card.avg_amount = c.avg_amount();
  out.card.amount_stddev = c.amount_stddev();
  out.card.device_count = c.device_count();
  out.card.country_count = c.country_count();
  out.card.home_country = c.home_country();
  out.card.count_1h = c.count_1h();
  out.card.count_24h = c.count_24h();
  if (!views_of(msg.decisions(), out.decisions))
    return false;
  out.next_cursor = msg.next_cursor();
  out.error = get_error(msg);
  out.origin = get_origin(msg);
  out.cursors.assign(msg.cursors().begin(), msg.cursors().end());
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, card_reply& out) {
  if (!read_cardreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.CardReply protobuf message"};
  return {};
}

namespace {

bool read_decisionsreply(const void* data, std::size_t size, decisions_reply& out) {
  v1::DecisionsReply msg;
  if (!parse(msg, data, size))
    return false;
  if (!views_of(msg.decisions(), out.decisions))
    return false;
  out.next_cursor = msg.next_cursor();
  out.error = get_error(msg);
  out.origin = get_origin(msg);
  out.cursors.assign(msg.cursors().begin(), msg.cursors().end());
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, decisions_reply& out) {
  if (!read_decisionsreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.DecisionsReply protobuf message"};
  return {};
}

namespace {

bool read_stats(const void* data, std::size_t size, stats_reply& out) {
  v1::Stats msg;
  if (!parse(msg, data, size))
    return false;
  out.uptime_ms = msg.uptime_ms();
  out.received = msg.received();
  out.approved = msg.approved();
  out.reviewed = msg.reviewed();
  out.declined = msg.declined();
  out.rejected = msg.rejected();
  out.rejected_malformed = msg.rejected_malformed();
  out.rejected_invalid = msg.rejected_invalid();
  out.rejected_subject = msg.rejected_subject();
  out.rejected_shutdown = msg.rejected_shutdown();
  out.rejected_overloaded = msg.rejected_overloaded();
  out.store_backlog_bytes = msg.store_backlog_bytes();
  out.snapshot_backlog_bytes = msg.snapshot_backlog_bytes();
  out.entities_active = msg.entities_active();
  out.entities_activated = msg.entities_activated();
  out.entity_passivations = msg.entity_passivations();
  out.entity_misses = msg.entity_misses();
  out.entity_observations_sent = msg.entity_observations_sent();
  out.entity_observations_dropped = msg.entity_observations_dropped();
  out.entity_observations_received = msg.entity_observations_received();
  out.entity_observations_refused = msg.entity_observations_refused();
  out.duplicates = msg.duplicates();
  out.active_cards = msg.active_cards();
  out.cards_activated = msg.cards_activated();
  out.latency_last_minute = read_latency(msg.latency_last_minute());
  out.latency_since_start = read_latency(msg.latency_since_start());
  out.store_backlog = msg.store_backlog();
  out.store_written = msg.store_written();
  out.store_dropped = msg.store_dropped();
  out.store_errors = msg.store_errors();
  out.rule_hits.clear();
  for (auto& h : msg.rule_hits())
    out.rule_hits.emplace_back(h.rule(), h.hits());
  out.ruleset_version = msg.ruleset_version();
  out.nats_dropped = msg.nats_dropped();
  out.publish_errors = msg.publish_errors();
  out.passivations = msg.passivations();
  out.restored = msg.restored();
  out.snapshot_backlog = msg.snapshot_backlog();
  out.snapshots_written = msg.snapshots_written();
  out.snapshot_errors = msg.snapshot_errors();
  out.snapshot_corrupt = msg.snapshot_corrupt();
  out.snapshot_dropped = msg.snapshot_dropped();
  out.ingress_pending = msg.ingress_pending();
  out.ingress_pending_bytes = msg.ingress_pending_bytes();
  out.ingress_pending_max = msg.ingress_pending_max();
  out.queue_delay_ms = msg.queue_delay_ms();
  out.queue_delay_max_ms = msg.queue_delay_max_ms();
  out.slow_consumer_events = msg.slow_consumer_events();
  out.resend_reads = msg.resend_reads();
  out.resend_refused = msg.resend_refused();
  out.requests_limited = msg.requests_limited();
  out.cases_opened = msg.cases_opened();
  out.cases_resolved = msg.cases_resolved();
  out.labels_added = msg.labels_added();
  out.labels_unchanged = msg.labels_unchanged();
  out.labels_refused = msg.labels_refused();
  out.model_version = msg.model_version();
  out.models_refused = msg.models_refused();
  out.origin = get_origin(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, stats_reply& out) {
  if (!read_stats(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.Stats protobuf message"};
  return {};
}

fraud::error decode(const void* data, std::size_t size, reply_origin& out) {
  v1::ReplyOrigin msg;
  if (!parse(msg, data, size))
    return fraud::error{ec::malformed, "not a fraud.v1 query reply"};
  out = get_origin(msg);
  return {};
}

} // namespace fraud::protocol
