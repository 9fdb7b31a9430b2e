// What the rules see: one transaction set against its card's history.
// Amounts are in major units of the transaction's currency; velocity
// features include the transaction being scored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/transaction.hpp"

namespace fraud::models {

struct features {
  // the transaction itself
  double amount = 0;
  models::channel channel = channel::pos;
  std::uint32_t mcc = 0;
  char country[3] = {0, 0, 0};
  bool card_present = true;

  // history size, before this transaction
  std::uint32_t tx_count = 0;

  // place and time
  bool has_previous_location = false;
  double distance_km = 0;    // from the last located transaction
  double minutes_since_located = 0;
  double speed_kmh = 0;      // distance over time, time floored at one minute
  double seconds_since_last = -1;  // -1 when the card has no history

  // velocity over sliding windows, this transaction included
  std::uint32_t count_1m = 0;
  double sum_1m = 0;
  std::uint32_t count_1h = 0;
  double sum_1h = 0;
  std::uint32_t count_24h = 0;
  double sum_24h = 0;
  std::uint32_t small_cnp_count_10m = 0;  // card-not-present, <= small_amount

  // spending profile, before this transaction
  double avg_amount = 0;   // mean amount
  double amount_ratio = 1; // amount / avg_amount (1 without history)
  double amount_z = 0;     // z-score of log(amount) against the profile

  // devices and countries
  bool new_device = false;   // has a device the card never used
  std::uint32_t known_devices = 0;  // devices the card was used with before
  bool new_country = false;  // a country the card was never used in
  char home_country[3] = {0, 0, 0};

  // the device, IP address and merchant, as models/entity_state.hpp says
  // (all 0 when the transaction names none): cards that used them, this
  // one included, and the share of their payments declined
  std::uint32_t device_cards_10m = 0;
  std::uint32_t device_cards_1h = 0;
  std::uint32_t device_cards_24h = 0;
  double device_declined_share_1h = 0;
  std::uint32_t ip_cards_10m = 0;
  std::uint32_t ip_cards_1h = 0;
  std::uint32_t ip_cards_24h = 0;
  double ip_declined_share_1h = 0;
  std::uint32_t merchant_cards_10m = 0;
  std::uint32_t merchant_small_cnp_count_1m = 0;
  std::uint32_t merchant_small_cnp_count_10m = 0;
  std::uint32_t merchant_small_cnp_cards_1m = 0;
  std::uint32_t merchant_small_cnp_cards_10m = 0;
  double merchant_declined_share_1h = 0;

  // who and where, for block and allow lists: views into the transaction
  // these features were made for, valid only while it lives
  std::string_view card_id;
  std::string_view device_id;
  std::string_view merchant_id;
  std::string_view ip;
};

/// A card-not-present amount at or under this (major units) counts as a
/// probe in small_cnp_count_10m: what card testers use.
inline constexpr double small_amount = 5.0;

} // namespace fraud::models
