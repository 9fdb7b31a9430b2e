// A card authorisation as the domain sees it: plain values, no wire types.
// Owned by whoever holds it; moved from the ingress thread to the card actor.
#pragma once

#include <cstdint>
#include <string>

namespace fraud::models {

enum class channel : std::uint8_t { pos = 1, ecom = 2, atm = 3 };

/// Returns "POS", "ECOM" or "ATM".
const char* to_string(channel c);

struct transaction {
  std::string tx_id;
  std::string card_id;
  std::string account_id;
  std::int64_t amount_minor = 0;
  std::string currency;  // ISO 4217
  std::string merchant_id;
  std::uint32_t mcc = 0;
  std::string country;  // ISO 3166 alpha-2
  bool has_location = false;
  double lat = 0;
  double lon = 0;
  std::string device_id;  // empty when card-present
  std::string ip;
  models::channel channel = channel::pos;
  std::int64_t event_time_ms = 0;

  bool card_present() const { return channel != channel::ecom; }
};

/// Digits after the decimal point of an ISO 4217 currency (JPY 0, KWD 3,
/// most 2): amounts are compared in major units so that a rule threshold
/// means the same thing in every currency's own unit.
int currency_exponent(const std::string& currency);

/// The amount in major units of its currency.
double major_units(const transaction& tx);

} // namespace fraud::models
