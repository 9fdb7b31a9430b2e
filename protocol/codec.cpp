#include "protocol/codec.hpp"

#include <limits>

#include "models/validation.hpp"
#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

namespace detail {

namespace {

v1::ErrorCode to_wire(error_code c) {
  return static_cast<v1::ErrorCode>(static_cast<int>(c));
}

} // namespace

wire_error from_wire(const v1::Error& e) {
  wire_error out;
  auto code = static_cast<int>(e.code());
  out.code = code >= 1 && code <= 7 ? static_cast<error_code>(code)
                                    : error_code::malformed;
  out.field = e.field();
  out.message = e.message();
  return out;
}

models::reason from_wire(const v1::Reason& r) {
  return models::reason{r.rule(), r.detail(), r.value(), r.threshold(),
                        r.score()};
}

void fill(v1::Reason& w, const models::reason& r) {
  w.set_rule(r.rule);
  w.set_detail(r.detail);
  w.set_value(r.value);
  w.set_threshold(r.threshold);
  w.set_score(r.score);
}

void fill(v1::Error& e, const wire_error& error) {
  e.set_code(to_wire(error.code));
  e.set_field(error.field);
  e.set_message(error.message);
}

void serialize(const google::protobuf::MessageLite& msg, std::string& out) {
  out.clear();
  msg.SerializeToString(&out);
}

bool parse(google::protobuf::MessageLite& msg, const void* data,
           std::size_t size) {
  return size <= static_cast<std::size_t>(std::numeric_limits<int>::max())
         && msg.ParseFromArray(data, static_cast<int>(size));
}

bool from_message(const v1::Decision& msg, models::decision& out,
                  decision_envelope& env) {
  out.tx_id = msg.tx_id();
  out.card_id = msg.card_id();
  auto a = static_cast<int>(msg.action());
  if (a < 0 || a > 2)
    return false;
  out.action = static_cast<models::action>(a);
  out.score = msg.score();
  out.reasons.clear();
  for (auto& r : msg.reasons())
    out.reasons.push_back(from_wire(r));
  out.shadow_reasons.clear();
  for (auto& r : msg.shadow_reasons())
    out.shadow_reasons.push_back(from_wire(r));
  out.ruleset_version = msg.ruleset_version();
  out.event_time_ms = msg.event_time_ms();
  out.amount_minor = msg.amount_minor();
  out.currency = msg.currency();
  out.merchant_id = msg.merchant_id();
  out.mcc = msg.mcc();
  out.country = msg.country();
  auto ch = static_cast<int>(msg.channel());
  out.channel = ch >= 1 && ch <= 3 ? static_cast<models::channel>(ch)
                                   : models::channel::pos;
  env.duplicate = msg.duplicate();
  env.decided_at_ms = msg.decided_at_ms();
  env.service_latency_ns = msg.service_latency_ns();
  env.error.reset();
  if (msg.has_error() && msg.error().code() != v1::ERROR_NONE)
    env.error = from_wire(msg.error());
  return true;
}

} // namespace detail

using detail::fill;
using detail::serialize;

const char* to_string(error_code c) {
  switch (c) {
    case error_code::malformed:
      return "MALFORMED";
    case error_code::invalid_field:
      return "INVALID_FIELD";
    case error_code::subject_mismatch:
      return "SUBJECT_MISMATCH";
    case error_code::overloaded:
      return "OVERLOADED";
    case error_code::shutting_down:
      return "SHUTTING_DOWN";
    case error_code::not_found:
      return "NOT_FOUND";
    case error_code::bad_request:
      return "BAD_REQUEST";
  }
  return "UNKNOWN";
}

std::optional<wire_error> decode_transaction(const void* data,
                                             std::size_t size,
                                             models::transaction& out) {
  thread_local v1::Transaction msg;
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())
      || !msg.ParseFromArray(data, static_cast<int>(size))) {
    // Nothing could be read: ids left from an earlier message in `out`
    // would name the wrong transaction in the rejection.
    out.tx_id.clear();
    out.card_id.clear();
    return wire_error{error_code::malformed, "",
                      "not a fraud.v1.Transaction protobuf message"};
  }
  out.tx_id.swap(*msg.mutable_tx_id());
  out.card_id.swap(*msg.mutable_card_id());
  out.account_id.swap(*msg.mutable_account_id());
  out.amount_minor = msg.amount_minor();
  out.currency.swap(*msg.mutable_currency());
  out.merchant_id.swap(*msg.mutable_merchant_id());
  out.mcc = msg.mcc();
  out.country.swap(*msg.mutable_country());
  if (msg.has_lat() != msg.has_lon())
    return wire_error{error_code::invalid_field,
                      msg.has_lat() ? "lon" : "lat",
                      "lat and lon must be given together"};
  out.has_location = msg.has_lat();
  out.lat = msg.lat();
  out.lon = msg.lon();
  out.device_id.swap(*msg.mutable_device_id());
  out.ip.swap(*msg.mutable_ip());
  switch (msg.channel()) {
    case v1::POS:
      out.channel = models::channel::pos;
      break;
    case v1::ECOM:
      out.channel = models::channel::ecom;
      break;
    case v1::ATM:
      out.channel = models::channel::atm;
      break;
    default:
      return wire_error{error_code::invalid_field, "channel",
                        "must be POS, ECOM or ATM"};
  }
  out.event_time_ms = msg.event_time_ms();
  if (auto bad = models::validate(out))
    return wire_error{error_code::invalid_field, std::move(bad->field),
                      std::move(bad->message)};
  return std::nullopt;
}

void encode_transaction(const models::transaction& tx, std::string& out) {
  thread_local v1::Transaction msg;
  msg.Clear();
  msg.set_tx_id(tx.tx_id);
  msg.set_card_id(tx.card_id);
  msg.set_account_id(tx.account_id);
  msg.set_amount_minor(tx.amount_minor);
  msg.set_currency(tx.currency);
  msg.set_merchant_id(tx.merchant_id);
  msg.set_mcc(tx.mcc);
  msg.set_country(tx.country);
  if (tx.has_location) {
    msg.set_lat(tx.lat);
    msg.set_lon(tx.lon);
  }
  msg.set_device_id(tx.device_id);
  msg.set_ip(tx.ip);
  msg.set_channel(static_cast<v1::Channel>(static_cast<int>(tx.channel)));
  msg.set_event_time_ms(tx.event_time_ms);
  serialize(msg, out);
}

void encode_decision(const models::decision& d, const decision_envelope& env,
                     std::string& out) {
  thread_local v1::Decision msg;
  msg.Clear();
  msg.set_tx_id(d.tx_id);
  msg.set_card_id(d.card_id);
  msg.set_action(static_cast<v1::Action>(static_cast<int>(d.action)));
  msg.set_score(d.score);
  for (auto& r : d.reasons)
    detail::fill(*msg.add_reasons(), r);
  for (auto& r : d.shadow_reasons)
    detail::fill(*msg.add_shadow_reasons(), r);
  msg.set_ruleset_version(d.ruleset_version);
  msg.set_decided_at_ms(env.decided_at_ms);
  msg.set_service_latency_ns(env.service_latency_ns);
  msg.set_event_time_ms(d.event_time_ms);
  msg.set_amount_minor(d.amount_minor);
  msg.set_currency(d.currency);
  msg.set_merchant_id(d.merchant_id);
  msg.set_mcc(d.mcc);
  msg.set_country(d.country);
  msg.set_channel(static_cast<v1::Channel>(static_cast<int>(d.channel)));
  msg.set_duplicate(env.duplicate);
  if (env.error)
    fill(*msg.mutable_error(), *env.error);
  serialize(msg, out);
}

void encode_rejected_decision(const std::string& tx_id,
                              const std::string& card_id,
                              const wire_error& error,
                              const decision_envelope& env,
                              std::string& out) {
  models::decision d;
  d.tx_id = tx_id;
  d.card_id = card_id;
  d.action = models::action::decline;
  d.score = 100;
  auto with_error = env;
  with_error.error = error;
  encode_decision(d, with_error, out);
}

void encode_rejection(const std::string& subject, const std::string& tx_id,
                      const std::string& card_id, const wire_error& error,
                      std::int64_t rejected_at_ms, std::string& out) {
  v1::Rejection msg;
  msg.set_subject(subject);
  msg.set_tx_id(tx_id);
  msg.set_card_id(card_id);
  fill(*msg.mutable_error(), error);
  msg.set_rejected_at_ms(rejected_at_ms);
  serialize(msg, out);
}

bool decode_decision(const void* data, std::size_t size,
                     models::decision& out, decision_envelope& env) {
  thread_local v1::Decision msg;
  return detail::parse(msg, data, size) && detail::from_message(msg, out, env);
}

bool decode_rejection(const void* data, std::size_t size, rejection& out) {
  v1::Rejection msg;
  if (!detail::parse(msg, data, size))
    return false;
  out.subject = msg.subject();
  out.tx_id = msg.tx_id();
  out.card_id = msg.card_id();
  out.error = detail::from_wire(msg.error());
  out.rejected_at_ms = msg.rejected_at_ms();
  return true;
}

} // namespace fraud::protocol
