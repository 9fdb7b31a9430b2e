// Transactions for tests: one valid transaction to start from, and the few
// ways tests vary it. Shared by the models, protocol, actor and service
// tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "models/transaction.hpp"

namespace fraud::test {

inline constexpr std::int64_t second_ms = 1'000;
inline constexpr std::int64_t minute_ms = 60 * second_ms;
inline constexpr std::int64_t hour_ms = 60 * minute_ms;
inline constexpr std::int64_t day_ms = 24 * hour_ms;

// 2023-11-14 22:13:20 UTC: any event time inside validation's range works;
// the tests never look at the wall clock.
inline constexpr std::int64_t t0_ms = 1'700'000'000'000;

struct place {
  double lat;
  double lon;
};

inline constexpr place paris{48.8566, 2.3522};
inline constexpr place london{51.5074, -0.1278};
inline constexpr place new_york{40.7128, -74.0060};

/// `km` due north of `p`: distances along a meridian are exact, so a test
/// can put two places a chosen distance apart.
inline place north_of(place p, double km) {
  constexpr double km_per_degree = 6371.0088 * M_PI / 180.0;
  return place{p.lat + km / km_per_degree, p.lon};
}

/// A valid card-present payment of `amount` US dollars at `at_ms`, in the
/// US, without a location or a device.
inline models::transaction sample_tx(std::int64_t at_ms = t0_ms,
                                     double amount = 20.0) {
  static int next_id = 0;
  models::transaction tx;
  tx.tx_id = "tx-" + std::to_string(++next_id);
  tx.card_id = "card-1";
  tx.account_id = "acct-1";
  tx.amount_minor = std::llround(amount * 100);
  tx.currency = "USD";
  tx.merchant_id = "merchant-1";
  tx.mcc = 5411;
  tx.country = "US";
  tx.channel = models::channel::pos;
  tx.event_time_ms = at_ms;
  return tx;
}

/// `tx` made online (card not present) from `device_id`.
inline models::transaction online(models::transaction tx,
                                  std::string device_id) {
  tx.channel = models::channel::ecom;
  tx.device_id = std::move(device_id);
  return tx;
}

/// `tx` with a terminal or IP location.
inline models::transaction located(models::transaction tx, place p) {
  tx.has_location = true;
  tx.lat = p.lat;
  tx.lon = p.lon;
  return tx;
}

/// `tx` at a merchant in `country`.
inline models::transaction in_country(models::transaction tx,
                                      std::string country) {
  tx.country = std::move(country);
  return tx;
}

/// One of a card's transactions, as the actor and service tests send them
/// in sequence: sample_tx() on `card`, `minute` minutes after t0_ms, in New
/// York, for 25 dollars. Its tx_id is "<card>-<minute>" unless one is given.
inline models::transaction card_tx(const std::string& card,
                                   std::int64_t minute = 0,
                                   std::string tx_id = {}) {
  auto tx = located(sample_tx(t0_ms + minute * minute_ms, 25.0), new_york);
  tx.card_id = card;
  tx.tx_id = tx_id.empty() ? card + "-" + std::to_string(minute)
                           : std::move(tx_id);
  return tx;
}

} // namespace fraud::test
