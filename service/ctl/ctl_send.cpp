// fraudctl send: score one transaction and show the decision.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

#include <nlohmann/json.hpp>

#include "models/validation.hpp"
#include "protocol/codec.hpp"
#include "service/client/clock.hpp"
#include "service/ctl/ctl.hpp"
#include "service/ctl/decision_json.hpp"
#include "protocol/subjects.hpp"

namespace fraud::ctl {

namespace {

using json = nlohmann::json;

std::string random_tx_id() {
  std::random_device rd;
  std::mt19937_64 gen{(static_cast<std::uint64_t>(rd()) << 32) ^ rd()};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "tx-%016llx",
                static_cast<unsigned long long>(gen()));
  return buf;
}

// "12.34" in a currency with `exponent` decimals -> 1234; false if not a
// plain non-negative decimal with at most that many decimals.
bool parse_amount(const std::string& text, int exponent, std::int64_t& out) {
  std::int64_t whole = 0;
  std::int64_t frac = 0;
  int decimals = 0;
  bool dot = false;
  bool digits = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digits = true;
      if (dot) {
        if (++decimals > exponent)
          return false;
        frac = frac * 10 + (c - '0');
      } else {
        whole = whole * 10 + (c - '0');
        if (whole > 1'000'000'000'000)
          return false;
      }
    } else {
      return false;
    }
  }
  if (!digits)
    return false;
  for (int i = decimals; i < exponent; ++i)
    frac *= 10;
  std::int64_t scale = 1;
  for (int i = 0; i < exponent; ++i)
    scale *= 10;
  out = whole * scale + frac;
  return true;
}

bool parse_channel(const std::string& s, models::channel& out) {
  if (s == "POS" || s == "pos")
    out = models::channel::pos;
  else if (s == "ECOM" || s == "ecom")
    out = models::channel::ecom;
  else if (s == "ATM" || s == "atm")
    out = models::channel::atm;
  else
    return false;
  return true;
}

// Reads a transaction in the JSON form of the wire contract's field names.
bool transaction_from_json(const json& j, send_options& o, std::string& err) {
  try {
    auto& tx = o.tx;
    tx.tx_id = j.value("tx_id", tx.tx_id);
    tx.card_id = j.value("card_id", tx.card_id);
    tx.account_id = j.value("account_id", tx.account_id);
    tx.amount_minor = j.value("amount_minor", tx.amount_minor);
    tx.currency = j.value("currency", tx.currency);
    tx.merchant_id = j.value("merchant_id", tx.merchant_id);
    tx.mcc = j.value("mcc", tx.mcc);
    tx.country = j.value("country", tx.country);
    if (j.contains("lat") != j.contains("lon")) {
      err = "lat and lon go together";
      return false;
    }
    if (j.contains("lat")) {
      tx.has_location = true;
      tx.lat = j.at("lat").get<double>();
      tx.lon = j.at("lon").get<double>();
    }
    tx.device_id = j.value("device_id", tx.device_id);
    tx.ip = j.value("ip", tx.ip);
    o.channel = j.value("channel", o.channel);
    tx.event_time_ms = j.value("event_time_ms", tx.event_time_ms);
    return true;
  } catch (const std::exception& e) {
    err = e.what();
    return false;
  }
}

} // namespace

int run_send(const common_options& c, send_options& o) {
  if (!o.from_json.empty()) {
    std::string text;
    if (o.from_json == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream in{o.from_json};
      if (!in)
        return usage_error("cannot read " + o.from_json);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return usage_error("not a JSON object: " + o.from_json);
    std::string err;
    if (!transaction_from_json(j, o, err))
      return usage_error("bad transaction JSON: " + err);
  }
  auto& tx = o.tx;
  if (!o.amount.empty()
      && !parse_amount(o.amount, models::currency_exponent(tx.currency),
                       tx.amount_minor))
    return usage_error("--amount must be a decimal like 12.34 with at most "
                       + std::to_string(models::currency_exponent(tx.currency))
                       + " decimals for " + tx.currency);
  if (!parse_channel(o.channel, tx.channel))
    return usage_error("--channel must be POS, ECOM or ATM");
  if (o.has_lat != o.has_lon)
    return usage_error("--lat and --lon go together");
  if (o.has_lat) {
    tx.has_location = true;
    tx.lat = o.lat;
    tx.lon = o.lon;
  }
  if (tx.tx_id.empty())
    tx.tx_id = random_tx_id();
  if (tx.event_time_ms == 0)
    tx.event_time_ms = service::wall_ms();
  if (!models::is_card_token(tx.card_id))
    return usage_error("--card must be a card token [A-Za-z0-9_-]{1,64}");
  // Other fields are validated by the service, which is the authority: its
  // answer to bad input is what this command is for showing.
  std::string payload;
  protocol::encode_transaction(tx, payload);
  auto conn = connect(c, service::nats_role::authoriser);
  if (!conn)
    return failure;
  auto subject = std::string{protocol::subjects::tx_prefix} + tx.card_id;
  auto t0 = std::chrono::steady_clock::now();
  auto reply = request(*conn, c, subject, payload);
  auto rtt_us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
  if (!reply)
    return failure;
  models::decision d;
  protocol::decision_envelope env;
  if (!protocol::decode_decision(reply->data(), reply->size(), d, env).ok()) {
    std::fprintf(stderr, "fraudctl: the reply is not a fraud.v1.Decision\n");
    return failure;
  }
  if (c.json) {
    auto j = service::to_json(d, env);
    j["round_trip_us"] = rtt_us;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s", service::to_table(d, env).c_str());
    std::printf("%-16s %lld us\n", "round trip", static_cast<long long>(rtt_us));
  }
  return env.error ? rejected : ok;
}

} // namespace fraud::ctl
