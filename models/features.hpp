// What the rules see: one transaction set against its card's history.
// `amount` is in major units of the transaction's currency; every other
// amount (amount_home, sums, the profile) is in major units of the card's
// home currency (models/card_state.hpp says which that is), converted with
// the rates table (models/rates.hpp). Velocity features include the
// transaction being scored.
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
  // Both the transaction's currency and the card's home currency are in
  // the rates table. When not, the amounts below mean nothing: rules that
  // read them are skipped and the decision says `unknown_currency`.
  bool currency_known = true;
  bool foreign_currency = false;  // not the card's home currency
  double amount_home = 0;         // the amount in the home currency

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

  // card-present purchases of at least high_value_ratio times the card's
  // typical amount (card_state::typical_amount), over the last hour, this
  // one included: a stolen card's spree
  std::uint32_t cp_high_count_1h = 0;
  double cp_high_sum_1h = 0;

  // purchases of resaleable goods (is_goods_mcc) of at least
  // goods_high_ratio times the card's typical amount, in store or online,
  // over the last 7 days, this one included: someone close to the
  // cardholder spending far above the card's habit, a few times over days
  bool goods_high = false;  // this purchase is one of them
  std::uint32_t goods_high_count_7d = 0;
  double goods_high_sum_7d = 0;

  // spending profile, before this transaction
  double avg_amount = 0;   // mean amount
  double amount_ratio = 1; // amount / avg_amount (1 without history)
  double amount_z = 0;     // z-score of log(amount) against the profile
  // what the card spends in a usual day (its average amount times its
  // transactions a day), and the last hour's and day's sums against it
  // (0 while the card has fewer than min_spend_history transactions)
  double usual_daily_spend = 0;
  double spend_velocity_1h = 0;   // sum_1h / usual_daily_spend
  double spend_velocity_24h = 0;  // sum_24h / usual_daily_spend

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
  std::string_view currency;  // ISO 4217, as the transaction gave it

  // the trained model's fraud probability, 0-1, from the features above;
  // 0 when no model runs (models/model_score.hpp)
  double model_score = 0;
};

/// A card-not-present amount at or under this (major units) counts as a
/// probe in small_cnp_count_10m: what card testers use.
inline constexpr double small_amount = 5.0;

/// A card-present purchase of at least this many times the card's typical
/// amount counts in cp_high_count_1h (once the card has a profile: at least
/// min_spend_history transactions).
inline constexpr double high_value_ratio = 2.0;

/// Merchant categories whose goods sell on easily: department stores
/// (5311), general merchandise and marketplaces (5399), furniture (5712),
/// electronics (5732) and jewellery (5944). Where large purchases of
/// someone else's money go; travel, hotels and cash are not among them.
inline constexpr bool is_goods_mcc(std::uint32_t mcc) {
  return mcc == 5311 || mcc == 5399 || mcc == 5712 || mcc == 5732
         || mcc == 5944;
}

/// A purchase of goods (is_goods_mcc) of at least this many times the
/// card's typical amount counts in goods_high_count_7d (once the card has
/// a profile: at least min_spend_history transactions). Lower, the
/// everyday heavy tail of marketplace and department-store amounts fills
/// the week: at 6x or 8x, three in a week declined more legitimate
/// purchases than the precision bar allows (README: Detection).
inline constexpr double goods_high_ratio = 9.0;

/// Transactions a card must have made before its usual spend is trusted.
inline constexpr std::uint32_t min_spend_history = 3;

} // namespace fraud::models
