#include "protocol/codec.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/models/sample_transaction.hpp"

namespace fraud::protocol {
namespace {

using test::sample_tx;

// ---- hand-made wire bytes --------------------------------------------------
// To build what the encoders never write: a field alone, an enum value the
// contract does not have. Appended to an encoded message they override the
// earlier value (the last one wins), as protobuf parsing does.

// field numbers from fraud.proto
constexpr int transaction_lat = 9;
constexpr int transaction_lon = 10;
constexpr int transaction_channel = 13;
constexpr int decision_action = 3;
constexpr int rejection_error = 4;
constexpr int error_code_field = 1;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_varint_field(std::string& out, int field, std::uint64_t v) {
  put_varint(out, static_cast<std::uint64_t>(field) << 3);  // wire type 0
  put_varint(out, v);
}

void put_double_field(std::string& out, int field, double v) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | 1);  // 64-bit
  char bytes[8];
  std::memcpy(bytes, &v, 8);  // little-endian, like the wire
  out.append(bytes, 8);
}

void put_message_field(std::string& out, int field, const std::string& msg) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | 2);
  put_varint(out, msg.size());
  out += msg;
}

std::string encoded(const models::transaction& tx) {
  std::string out;
  encode_transaction(tx, out);
  return out;
}

fraud::error decode(const std::string& bytes,
                                 models::transaction& out) {
  return decode_transaction(bytes.data(), bytes.size(), out);
}

/// The field decoding rejects `bytes` for: "" when accepted.
std::string rejected_field(const std::string& bytes) {
  models::transaction out;
  auto error = decode(bytes, out);
  if (!error)
    return "";
  EXPECT_EQ(error.code(), fraud::ec::invalid_field) << error.what();
  EXPECT_FALSE(error.what().empty());
  return error.field();
}

std::string rejected_field(const models::transaction& tx) {
  return rejected_field(encoded(tx));
}

void expect_malformed(const std::string& bytes) {
  models::transaction out;
  auto error = decode(bytes, out);
  ASSERT_TRUE(static_cast<bool>(error));
  EXPECT_EQ(error.code(), fraud::ec::malformed);
  EXPECT_EQ(error.field(), "");
  EXPECT_FALSE(error.what().empty());
}

/// A transaction with every field set, none at its default.
models::transaction full_tx() {
  auto tx = test::located(test::online(sample_tx(test::t0_ms, 1234.56),
                                       "device-abc"),
                          {-33.8688, 151.2093});
  tx.tx_id = "tx-0001";
  tx.card_id = "tok_4f3a-99";
  tx.account_id = "acct-77";
  tx.currency = "AUD";
  tx.merchant_id = "merchant-42";
  tx.mcc = 5999;
  tx.country = "AU";
  tx.ip = "2001:db8::7";
  return tx;
}

// ---- transactions ----------------------------------------------------------

TEST(codec, a_transaction_survives_the_round_trip) {
  auto tx = full_tx();
  models::transaction out;
  auto error = decode(encoded(tx), out);
  ASSERT_FALSE(static_cast<bool>(error)) << error.field() << ": " << error.what();
  EXPECT_EQ(out.tx_id, tx.tx_id);
  EXPECT_EQ(out.card_id, tx.card_id);
  EXPECT_EQ(out.account_id, tx.account_id);
  EXPECT_EQ(out.amount_minor, tx.amount_minor);
  EXPECT_EQ(out.currency, tx.currency);
  EXPECT_EQ(out.merchant_id, tx.merchant_id);
  EXPECT_EQ(out.mcc, tx.mcc);
  EXPECT_EQ(out.country, tx.country);
  EXPECT_TRUE(out.has_location);
  EXPECT_EQ(out.lat, tx.lat);
  EXPECT_EQ(out.lon, tx.lon);
  EXPECT_EQ(out.device_id, tx.device_id);
  EXPECT_EQ(out.ip, tx.ip);
  EXPECT_EQ(out.channel, tx.channel);
  EXPECT_EQ(out.event_time_ms, tx.event_time_ms);
}

TEST(codec, every_channel_survives_the_round_trip) {
  for (auto c : {models::channel::pos, models::channel::ecom,
                 models::channel::atm}) {
    auto tx = sample_tx();
    tx.channel = c;
    models::transaction out;
    ASSERT_FALSE(decode(encoded(tx), out)) << to_string(c);
    EXPECT_EQ(out.channel, c);
  }
}

TEST(codec, a_location_at_zero_zero_is_still_a_location) {
  models::transaction out;
  ASSERT_FALSE(decode(encoded(test::located(sample_tx(), {0, 0})), out));
  EXPECT_TRUE(out.has_location);
  EXPECT_EQ(out.lat, 0);
  EXPECT_EQ(out.lon, 0);
}

TEST(codec, no_location_decodes_as_none) {
  auto tx = sample_tx();
  tx.lat = 12;  // ignored without has_location
  tx.lon = 34;
  models::transaction out;
  ASSERT_FALSE(decode(encoded(tx), out));
  EXPECT_FALSE(out.has_location);
  EXPECT_EQ(out.lat, 0);
  EXPECT_EQ(out.lon, 0);
}

TEST(codec, decoding_into_a_used_transaction_replaces_everything) {
  models::transaction out;
  ASSERT_FALSE(decode(encoded(full_tx()), out));
  auto plain = sample_tx();
  ASSERT_FALSE(decode(encoded(plain), out));
  EXPECT_EQ(out.tx_id, plain.tx_id);
  EXPECT_FALSE(out.has_location);
  EXPECT_EQ(out.device_id, "");
  EXPECT_EQ(out.ip, "");
  EXPECT_EQ(out.channel, models::channel::pos);
  EXPECT_EQ(out.currency, "USD");
}

TEST(codec, bytes_that_are_not_a_transaction_are_malformed) {
  expect_malformed("\xff\xff\xff");            // a varint that never ends
  expect_malformed(std::string("\x0f", 1));    // wire type 7 does not exist
  expect_malformed(std::string("\x00\x01", 2));  // field number 0
  expect_malformed("\x0a\x7f" "short");        // string longer than the data
  expect_malformed("{\"tx_id\": \"t1\"}");     // JSON is not protobuf
}

TEST(codec, a_truncated_transaction_is_malformed) {
  auto bytes = encoded(full_tx());
  // cut inside the last field (the event time varint)
  expect_malformed(bytes.substr(0, bytes.size() - 1));
  // cut inside tx_id, the first field
  expect_malformed(bytes.substr(0, 4));
}

TEST(codec, a_malformed_message_leaves_no_ids_from_an_earlier_one) {
  models::transaction out;
  ASSERT_FALSE(decode(encoded(full_tx()), out));
  ASSERT_TRUE(decode("\xff\xff\xff", out));
  EXPECT_EQ(out.tx_id, "");
  EXPECT_EQ(out.card_id, "");
}

TEST(codec, an_empty_message_is_never_accepted) {
  models::transaction out;
  auto error = decode("", out);
  ASSERT_TRUE(static_cast<bool>(error));
  EXPECT_EQ(error.code(), fraud::ec::invalid_field);
  EXPECT_FALSE(error.field().empty());
}

TEST(codec, invalid_fields_are_named) {
  auto with = [](auto change) {
    auto tx = sample_tx();
    change(tx);
    return rejected_field(tx);
  };
  using tx_t = models::transaction;
  EXPECT_EQ(with([](tx_t& t) { t.tx_id = std::string(65, 'x'); }), "tx_id");
  EXPECT_EQ(with([](tx_t& t) { t.card_id = "card.1"; }), "card_id");
  EXPECT_EQ(with([](tx_t& t) { t.account_id = "a b"; }), "account_id");
  EXPECT_EQ(with([](tx_t& t) { t.amount_minor = 0; }), "amount_minor");
  EXPECT_EQ(with([](tx_t& t) { t.amount_minor = -500; }), "amount_minor");
  EXPECT_EQ(with([](tx_t& t) { t.currency = "usd"; }), "currency");
  EXPECT_EQ(with([](tx_t& t) { t.merchant_id = ""; }), "merchant_id");
  EXPECT_EQ(with([](tx_t& t) { t.mcc = 10000; }), "mcc");
  EXPECT_EQ(with([](tx_t& t) { t.country = "FRA"; }), "country");
  EXPECT_EQ(with([](tx_t& t) { t = test::located(t, {91, 0}); }), "lat");
  EXPECT_EQ(with([](tx_t& t) {
              t = test::located(t, {0, std::numeric_limits<double>::quiet_NaN()});
            }),
            "lon");
  EXPECT_EQ(with([](tx_t& t) { t.device_id = std::string(129, 'd'); }),
            "device_id");
  EXPECT_EQ(with([](tx_t& t) { t.ip = "999.1.1.1"; }), "ip");
  EXPECT_EQ(with([](tx_t& t) { t.event_time_ms = 0; }), "event_time_ms");
}

TEST(codec, a_rejected_transaction_still_gives_its_ids) {
  auto tx = sample_tx();
  tx.amount_minor = -1;
  models::transaction out;
  auto error = decode(encoded(tx), out);
  ASSERT_TRUE(static_cast<bool>(error));
  EXPECT_EQ(out.tx_id, tx.tx_id);
  EXPECT_EQ(out.card_id, tx.card_id);
}

TEST(codec, lat_without_lon_is_an_invalid_lon) {
  auto bytes = encoded(sample_tx());
  put_double_field(bytes, transaction_lat, 48.85);
  EXPECT_EQ(rejected_field(bytes), "lon");
  models::transaction out;
  EXPECT_TRUE(decode(bytes, out));
  EXPECT_EQ(out.card_id, "card-1");  // for the rejection
}

TEST(codec, lon_without_lat_is_an_invalid_lat) {
  auto bytes = encoded(sample_tx());
  put_double_field(bytes, transaction_lon, 2.35);
  EXPECT_EQ(rejected_field(bytes), "lat");
}

TEST(codec, hand_made_lat_and_lon_are_a_location) {
  auto bytes = encoded(sample_tx());
  put_double_field(bytes, transaction_lat, 48.85);
  put_double_field(bytes, transaction_lon, 2.35);
  models::transaction out;
  ASSERT_FALSE(decode(bytes, out));
  EXPECT_TRUE(out.has_location);
  EXPECT_EQ(out.lat, 48.85);
  EXPECT_EQ(out.lon, 2.35);
}

TEST(codec, an_unspecified_channel_is_invalid) {
  auto bytes = encoded(sample_tx());
  put_varint_field(bytes, transaction_channel, 0);  // CHANNEL_UNSPECIFIED
  EXPECT_EQ(rejected_field(bytes), "channel");
}

TEST(codec, a_channel_the_contract_does_not_have_is_invalid) {
  auto bytes = encoded(sample_tx());
  put_varint_field(bytes, transaction_channel, 9);
  EXPECT_EQ(rejected_field(bytes), "channel");
}

// ---- decisions -------------------------------------------------------------

models::decision sample_decision() {
  models::decision d;
  d.tx_id = "tx-9";
  d.card_id = "card-9";
  d.action = models::action::review;
  d.score = 65;
  d.reasons.push_back({"amount_spike", "400.00 is 20.0x the card's average",
                       4.75, 3.5, 45});
  d.reasons.push_back({"new_country_amount", "first use in FR", 6.0, 3.0, 20});
  d.ruleset_version = "default-1";
  d.event_time_ms = test::t0_ms;
  d.amount_minor = 40000;
  d.currency = "EUR";
  d.merchant_id = "merchant-3";
  d.mcc = 4511;
  d.country = "FR";
  d.channel = models::channel::atm;
  return d;
}

std::string encoded(const models::decision& d,
                    const decision_envelope& env = {}) {
  std::string out;
  encode_decision(d, env, out);
  return out;
}

std::string encoded_rejected(const fraud::error& error,
                             const decision_envelope& env = {}) {
  std::string out;
  encode_rejected_decision("tx-5", "card-5", error, env, out);
  return out;
}

/// A decision as a client reads it back.
struct read_decision {
  bool ok = false;
  models::decision d;
  decision_envelope env;
};

/// Decodes into `into`, which may hold an earlier decision.
void read_into(read_decision& into, const std::string& bytes) {
  into.ok = decode_decision(bytes.data(), bytes.size(), into.d, into.env).ok();
}

read_decision read_back(const std::string& bytes) {
  read_decision r;
  read_into(r, bytes);
  return r;
}

void expect_same_reasons(const std::vector<models::reason>& a,
                         const std::vector<models::reason>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].rule, b[i].rule);
    EXPECT_EQ(a[i].detail, b[i].detail);
    EXPECT_EQ(a[i].value, b[i].value);
    EXPECT_EQ(a[i].threshold, b[i].threshold);
    EXPECT_EQ(a[i].score, b[i].score);
  }
}

TEST(codec, a_decision_survives_the_round_trip) {
  auto d = sample_decision();
  decision_envelope env;
  env.decided_at_ms = test::t0_ms + 5;
  env.service_latency_ns = 12'345;
  env.duplicate = true;
  auto r = read_back(encoded(d, env));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.d.tx_id, d.tx_id);
  EXPECT_EQ(r.d.card_id, d.card_id);
  EXPECT_EQ(r.d.action, d.action);
  EXPECT_EQ(r.d.score, d.score);
  expect_same_reasons(r.d.reasons, d.reasons);
  EXPECT_EQ(r.d.ruleset_version, d.ruleset_version);
  EXPECT_EQ(r.d.event_time_ms, d.event_time_ms);
  EXPECT_EQ(r.d.amount_minor, d.amount_minor);
  EXPECT_EQ(r.d.currency, d.currency);
  EXPECT_EQ(r.d.merchant_id, d.merchant_id);
  EXPECT_EQ(r.d.mcc, d.mcc);
  EXPECT_EQ(r.d.country, d.country);
  EXPECT_EQ(r.d.channel, d.channel);
  EXPECT_EQ(r.env.decided_at_ms, env.decided_at_ms);
  EXPECT_EQ(r.env.service_latency_ns, env.service_latency_ns);
  EXPECT_TRUE(r.env.duplicate);
  EXPECT_FALSE(static_cast<bool>(r.env.error));
}

TEST(codec, every_action_survives_the_round_trip) {
  for (auto a : {models::action::approve, models::action::review,
                 models::action::decline}) {
    auto d = sample_decision();
    d.action = a;
    auto r = read_back(encoded(d));
    ASSERT_TRUE(r.ok) << to_string(a);
    EXPECT_EQ(r.d.action, a);
  }
}

TEST(codec, a_decision_error_survives_the_round_trip) {
  decision_envelope env;
  env.error = fraud::error::in_field(fraud::ec::shutting_down, "", "draining");
  auto r = read_back(encoded(sample_decision(), env));
  ASSERT_TRUE(r.ok);
  ASSERT_TRUE(static_cast<bool>(r.env.error));
  EXPECT_EQ(r.env.error.code(), fraud::ec::shutting_down);
  EXPECT_EQ(r.env.error.what(), "draining");
}

TEST(codec, decoding_a_decision_forgets_the_previous_one) {
  auto scored = encoded(sample_decision());
  auto rejected = encoded_rejected(fraud::error::in_field(fraud::ec::malformed, "", "garbage"));
  read_decision r;
  read_into(r, scored);
  read_into(r, rejected);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.d.reasons.empty());
  read_into(r, scored);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(static_cast<bool>(r.env.error));
  EXPECT_EQ(r.d.reasons.size(), 2u);
}

TEST(codec, bytes_that_are_not_a_decision_are_refused) {
  EXPECT_FALSE(read_back("\xff\xff\xff").ok);
  auto bytes = encoded(sample_decision());
  EXPECT_FALSE(read_back(bytes.substr(0, bytes.size() / 2)).ok);
}

TEST(codec, a_decision_with_an_unknown_action_is_refused) {
  auto bytes = encoded(sample_decision());
  put_varint_field(bytes, decision_action, 7);
  EXPECT_FALSE(read_back(bytes).ok);
}

// ---- rejections ------------------------------------------------------------

TEST(codec, a_rejected_decision_declines_with_the_error) {
  decision_envelope env;
  env.decided_at_ms = test::t0_ms;
  env.service_latency_ns = 777;
  auto r = read_back(encoded_rejected(
    fraud::error::in_field(fraud::ec::invalid_field, "amount_minor", "must be greater than zero"),
    env));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.d.action, models::action::decline);
  EXPECT_EQ(r.d.score, 100);
  EXPECT_EQ(r.d.tx_id, "tx-5");
  EXPECT_EQ(r.d.card_id, "card-5");
  EXPECT_TRUE(r.d.reasons.empty());
  ASSERT_TRUE(static_cast<bool>(r.env.error));
  EXPECT_EQ(r.env.error.code(), fraud::ec::invalid_field);
  EXPECT_EQ(r.env.error.field(), "amount_minor");
  EXPECT_EQ(r.env.error.what(), "must be greater than zero");
  EXPECT_EQ(r.env.decided_at_ms, test::t0_ms);
  EXPECT_EQ(r.env.service_latency_ns, 777);
}

TEST(codec, a_rejected_decision_carries_its_own_error_not_the_envelopes) {
  decision_envelope env;
  env.error = fraud::error::in_field(fraud::ec::shutting_down, "", "stale");
  auto r = read_back(encoded_rejected(fraud::error::in_field(fraud::ec::malformed, "", "garbage"),
                                      env));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.d.action, models::action::decline);
  ASSERT_TRUE(static_cast<bool>(r.env.error));
  EXPECT_EQ(r.env.error.code(), fraud::ec::malformed);
  EXPECT_EQ(r.env.error.what(), "garbage");
}

bool decode(const std::string& bytes, rejection& out) {
  return decode_rejection(bytes.data(), bytes.size(), out).ok();
}

TEST(codec, a_rejection_survives_the_round_trip) {
  std::string bytes;
  encode_rejection("fraud.tx.card-5", "tx-5", "card-5",
                   fraud::error::in_field(fraud::ec::subject_mismatch, "card_id", "differs"),
                   test::t0_ms, bytes);
  rejection out;
  ASSERT_TRUE(decode(bytes, out));
  EXPECT_EQ(out.subject, "fraud.tx.card-5");
  EXPECT_EQ(out.tx_id, "tx-5");
  EXPECT_EQ(out.card_id, "card-5");
  EXPECT_EQ(out.error.code(), fraud::ec::subject_mismatch);
  EXPECT_EQ(out.error.field(), "card_id");
  EXPECT_EQ(out.error.what(), "differs");
  EXPECT_EQ(out.rejected_at_ms, test::t0_ms);
}

TEST(codec, every_error_code_survives_a_rejection) {
  for (auto code : {fraud::ec::malformed, fraud::ec::invalid_field,
                    fraud::ec::subject_mismatch, fraud::ec::shutting_down,
                    fraud::ec::overloaded, fraud::ec::not_found, fraud::ec::bad_request,
                    fraud::ec::internal}) {
    std::string bytes;
    encode_rejection("s", "", "", fraud::error::in_field(code, "", "m"), 1, bytes);
    rejection out;
    ASSERT_TRUE(decode(bytes, out)) << to_string(code);
    EXPECT_EQ(out.error.code(), code) << to_string(code);
  }
}

TEST(codec, an_unknown_error_code_reads_as_internal) {
  std::string bytes;
  encode_rejection("s", "", "", fraud::error::in_field(fraud::ec::bad_request, "", "m"), 1, bytes);
  std::string error;
  put_varint_field(error, error_code_field, 42);
  put_message_field(bytes, rejection_error, error);  // merged: code 42
  rejection out;
  ASSERT_TRUE(decode(bytes, out));
  // From a newer peer: still a failure, and not blamed on the caller.
  EXPECT_EQ(out.error.code(), fraud::ec::internal);
  EXPECT_EQ(out.error.what(), "m");
}

TEST(codec, an_error_quoting_bytes_that_are_not_utf8_still_decodes) {
  // Found by the hostile-input test: a subject token (any bytes NATS
  // carries) quoted in an error made a reply, and the rejection naming the
  // subject, that no client could parse: proto3 strings must be UTF-8.
  auto error = fraud::error::in_field(fraud::ec::subject_mismatch,
                                      "card_\xc3", "token 'ab\xed\xa0\x80'");
  std::string bytes;
  encode_rejected_decision("", "", error, decision_envelope{}, bytes);
  models::decision d;
  decision_envelope env;
  ASSERT_TRUE(decode_decision(bytes.data(), bytes.size(), d, env).ok());
  EXPECT_EQ(env.error.field(), "card_\\xc3");
  EXPECT_EQ(env.error.what(), "token 'ab\\xed\\xa0\\x80'");
  EXPECT_EQ(d.action, models::action::decline);
  encode_rejection("fraud.tx.\xff\xc0\xaf", "", "", error, 1, bytes);
  rejection out;
  ASSERT_TRUE(decode(bytes, out));
  EXPECT_EQ(out.subject, "fraud.tx.\\xff\\xc0\\xaf");
}

TEST(codec, an_error_in_utf8_travels_as_it_is) {
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\x41";
  std::string bytes;
  encode_rejection(text, "", "",
                   fraud::error::in_field(fraud::ec::bad_request, text, text),
                   1, bytes);
  rejection out;
  ASSERT_TRUE(decode(bytes, out));
  EXPECT_EQ(out.subject, text);
  EXPECT_EQ(out.error.field(), text);
  EXPECT_EQ(out.error.what(), text);
}

TEST(codec, bytes_that_are_not_a_rejection_are_refused) {
  rejection out;
  EXPECT_FALSE(decode("\xff\xff\xff", out));
}

TEST(codec, error_codes_have_their_wire_names) {
  EXPECT_STREQ(wire_name(fraud::ec::malformed), "MALFORMED");
  EXPECT_STREQ(wire_name(fraud::ec::invalid_field), "INVALID_FIELD");
  EXPECT_STREQ(wire_name(fraud::ec::subject_mismatch), "SUBJECT_MISMATCH");
  EXPECT_STREQ(wire_name(fraud::ec::shutting_down), "SHUTTING_DOWN");
  EXPECT_STREQ(wire_name(fraud::ec::overloaded), "OVERLOADED");
  EXPECT_STREQ(wire_name(fraud::ec::not_found), "NOT_FOUND");
  EXPECT_STREQ(wire_name(fraud::ec::bad_request), "BAD_REQUEST");
  EXPECT_STREQ(wire_name(fraud::ec::internal), "INTERNAL");
}

TEST(codec, the_services_own_failures_travel_as_internal_never_bad_request) {
  // A SQLite failure used to reach clients as BAD_REQUEST (fraudctl: exit 2,
  // "usage"): it is the service's fault, not the caller's.
  for (auto code : {fraud::ec::store_error, fraud::ec::nats_error,
                    fraud::ec::timeout, fraud::ec::internal}) {
    std::string bytes;
    encode_rejection("s", "", "", fraud::error{code, "disk I/O error"}, 1,
                     bytes);
    rejection out;
    ASSERT_TRUE(decode(bytes, out));
    EXPECT_EQ(out.error.code(), fraud::ec::internal) << to_string(code);
    EXPECT_EQ(out.error.what(), "disk I/O error");
  }
}

} // namespace
} // namespace fraud::protocol
