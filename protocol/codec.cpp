#include "protocol/codec.hpp"

#include <atomic>
#include <limits>

#include <google/protobuf/stubs/logging.h>

#include "models/validation.hpp"
#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

namespace detail {

namespace {

v1::ErrorCode to_wire(ec c) {
  switch (c) {
    case ec::none:
      return v1::ERROR_NONE;
    case ec::malformed:
      return v1::MALFORMED;
    case ec::invalid_field:
      return v1::INVALID_FIELD;
    case ec::subject_mismatch:
      return v1::SUBJECT_MISMATCH;
    case ec::shutting_down:
      return v1::SHUTTING_DOWN;
    case ec::overloaded:
      return v1::OVERLOADED;
    case ec::not_found:
      return v1::NOT_FOUND;
    case ec::bad_request:
      return v1::BAD_REQUEST;
    case ec::permission_denied:
      return v1::PERMISSION_DENIED;
    case ec::limit_exceeded:
      return v1::LIMIT_EXCEEDED;
    default:
      // The service's own failures: the caller did nothing wrong.
      return v1::INTERNAL;
  }
}

ec from_wire(v1::ErrorCode c) {
  switch (c) {
    case v1::ERROR_NONE:
      return ec::none;
    case v1::MALFORMED:
      return ec::malformed;
    case v1::INVALID_FIELD:
      return ec::invalid_field;
    case v1::SUBJECT_MISMATCH:
      return ec::subject_mismatch;
    case v1::SHUTTING_DOWN:
      return ec::shutting_down;
    case v1::OVERLOADED:
      return ec::overloaded;
    case v1::NOT_FOUND:
      return ec::not_found;
    case v1::BAD_REQUEST:
      return ec::bad_request;
    case v1::PERMISSION_DENIED:
      return ec::permission_denied;
    case v1::LIMIT_EXCEEDED:
      return ec::limit_exceeded;
    case v1::INTERNAL:
      return ec::internal;
    default:
      // A code from a newer peer: still an error, never "none".
      return ec::internal;
  }
}

} // namespace

fraud::error from_wire(const v1::Error& e) {
  auto code = from_wire(e.code());
  return fraud::error::in_field(code == ec::none ? ec::internal : code,
                                e.field(), e.message());
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

void fill(v1::Error& e, const fraud::error& error) {
  e.set_code(to_wire(error.code()));
  e.set_field(valid_utf8(error.field()));
  e.set_message(valid_utf8(error.what()));
}

namespace {

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF) that starts s[i], or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto continued = [&](std::size_t n) {
    for (std::size_t k = 1; k < n; ++k)
      if (i + k >= s.size() || (at(k) & 0xC0) != 0x80)
        return false;
    return true;
  };
  auto c = at(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return continued(2) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!continued(3) || (c == 0xE0 && at(1) < 0xA0)
        || (c == 0xED && at(1) > 0x9F))
      return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!continued(4) || (c == 0xF0 && at(1) < 0x90)
        || (c == 0xF4 && at(1) > 0x8F))
      return 0;
    return 4;
  }
  return 0;
}

} // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  static const char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    if (auto n = utf8_sequence(s, i)) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i++]);
    out += "\\x";
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
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
  out.model_version = msg.model_version();
  out.model_score = msg.model_score();
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
  env.error = {};
  if (msg.has_error() && msg.error().code() != v1::ERROR_NONE)
    env.error = from_wire(msg.error());
  return true;
}

} // namespace detail

using detail::fill;
using detail::serialize;

const char* wire_name(ec c) {
  return v1::ErrorCode_Name(detail::to_wire(c)).c_str();
}

namespace {

std::atomic<protobuf_log_handler> log_handler{nullptr};

void forward_protobuf_log(google::protobuf::LogLevel, const char*, int,
                          const std::string& message) {
  if (auto h = log_handler.load())
    h(message);
}

} // namespace

void set_protobuf_log_handler(protobuf_log_handler handler) {
  log_handler = handler;
  google::protobuf::SetLogHandler(&forward_protobuf_log);
}

fraud::error decode_transaction(const void* data,
                                             std::size_t size,
                                             models::transaction& out) {
  thread_local v1::Transaction msg;
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())
      || !msg.ParseFromArray(data, static_cast<int>(size))) {
    // Nothing could be read: ids left from an earlier message in `out`
    // would name the wrong transaction in the rejection.
    out.tx_id.clear();
    out.card_id.clear();
    return fraud::error::in_field(fraud::ec::malformed, "",
                      "not a fraud.v1.Transaction protobuf message");
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
    return fraud::error::in_field(fraud::ec::invalid_field,
                      msg.has_lat() ? "lon" : "lat",
                      "lat and lon must be given together");
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
      return fraud::error::in_field(fraud::ec::invalid_field, "channel",
                        "must be POS, ECOM or ATM");
  }
  out.event_time_ms = msg.event_time_ms();
  return models::validate(out);
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

// encode_decision: protocol/decision_encoder.cpp (no protobuf message).

void encode_rejected_decision(const std::string& tx_id,
                              const std::string& card_id,
                              const fraud::error& error,
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
                      const std::string& card_id, const fraud::error& error,
                      std::int64_t rejected_at_ms, std::string& out) {
  v1::Rejection msg;
  msg.set_subject(detail::valid_utf8(subject));  // any bytes but '.' and space
  msg.set_tx_id(tx_id);
  msg.set_card_id(card_id);
  fill(*msg.mutable_error(), error);
  msg.set_rejected_at_ms(rejected_at_ms);
  serialize(msg, out);
}

namespace {

bool read_decision(const void* data, std::size_t size,
                     models::decision& out, decision_envelope& env) {
  thread_local v1::Decision msg;
  return detail::parse(msg, data, size) && detail::from_message(msg, out, env);
}

} // namespace

fraud::error decode_decision(const void* data, std::size_t size,
                     models::decision& out, decision_envelope& env) {
  if (!read_decision(data, size, out, env))
    return fraud::error{ec::malformed, "not a fraud.v1.Decision protobuf message"};
  return {};
}

namespace {

bool read_rejection(const void* data, std::size_t size, rejection& out) {
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

} // namespace

fraud::error decode_rejection(const void* data, std::size_t size, rejection& out) {
  if (!read_rejection(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.Rejection protobuf message"};
  return {};
}

} // namespace fraud::protocol
