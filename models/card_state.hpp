// Everything the service remembers about one card, in fixed memory.
//
// Money is kept in the card's home currency: the first currency the card
// used (that the rates table knew). Issuers know a card's billing currency,
// but the authorisation message does not carry it, and the first currency
// seen is the billing one for nearly every card (its first use is almost
// always at home); it is deterministic (the same history gives the same
// home), and it never changes afterwards, so the profile and the windows
// never mix currencies. A card whose state predates home currencies takes
// the currency of its next transaction.
//
// Not thread-safe: owned by exactly one card actor. Contains nothing tied to
// a process (no pointers, no handles), so it can be copied to another
// instance or written to disk as it is.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "models/features.hpp"
#include "models/rates.hpp"
#include "models/sliding_window.hpp"
#include "models/transaction.hpp"

namespace fraud::models {

struct snapshot_codec;

/// What a person asking about a card is shown of its state.
struct card_summary {
  std::uint32_t tx_count = 0;
  std::int64_t last_event_ms = 0;
  bool has_location = false;
  double last_lat = 0;
  double last_lon = 0;
  std::int64_t last_located_ms = 0;
  double avg_amount = 0;
  double amount_stddev = 0;
  std::uint32_t device_count = 0;
  std::uint32_t country_count = 0;
  std::string home_country;
  std::string home_currency;    // "" until the card used a known currency
  double usual_daily_spend = 0; // in the home currency
  std::uint32_t count_1h = 0;   // at the card's last event time
  std::uint32_t count_24h = 0;
};

class card_state {
public:
  static constexpr std::size_t max_devices = 8;
  static constexpr std::size_t max_countries = 8;

  /// The transaction against this card's history, its amounts converted
  /// to the card's home currency with `fx`. Does not change state.
  features features_for(const transaction& tx, const rates& fx) const;

  /// Adds the transaction to the history. Event time decides: a transaction
  /// older than the newest one seen is counted in its windows but cannot
  /// move the last location or last-seen time backwards. A transaction in
  /// a currency `fx` does not know is counted in the windows without its
  /// amount, and teaches the profile nothing.
  void apply(const transaction& tx, const rates& fx);

  /// For a transaction the rules did not approve: it counts as an attempt
  /// in the velocity windows (a card tester's declined probes are still
  /// probes), but the profile, last location, devices and countries learn
  /// nothing from it. A declined payment did not happen, and a reviewed one
  /// is not trusted until someone has looked at it; learning from either
  /// would let a fraudster teach the card his place and his device.
  void apply_unapproved(const transaction& tx, const rates& fx);

  /// The same three with the built-in rates (models/default.rates).
  features features_for(const transaction& tx) const {
    return features_for(tx, default_rates());
  }
  void apply(const transaction& tx) { apply(tx, default_rates()); }
  void apply_unapproved(const transaction& tx) {
    apply_unapproved(tx, default_rates());
  }

  std::uint32_t tx_count() const { return tx_count_; }
  std::int64_t last_event_ms() const { return last_event_ms_; }
  bool has_location() const { return has_location_; }
  double last_lat() const { return last_lat_; }
  double last_lon() const { return last_lon_; }
  std::int64_t last_located_ms() const { return last_located_ms_; }
  double avg_amount() const { return mean_amount_; }
  /// The amount the card usually pays: the profile's mean of log amounts
  /// turned back into an amount (near the median; a few large purchases
  /// move it far less than the average).
  double typical_amount() const;
  double amount_stddev() const;
  std::size_t device_count() const { return device_count_; }
  std::size_t country_count() const;
  bool knows_device(const std::string& device_id) const;
  bool knows_country(const std::string& country) const;
  /// The country with the most transactions, "" when there is none.
  std::string home_country() const;
  /// The home currency, "" while the card has none.
  std::string home_currency() const;
  /// Average amount times transactions a day, in the home currency; 0
  /// before min_spend_history transactions.
  double usual_daily_spend() const;

  card_summary summary() const;

private:
  friend struct snapshot_codec;  // models/card_snapshot.cpp

  using minute_window = sliding_window<6, 10'000>;      // 1 min, 10 s steps
  using hour_window = sliding_window<12, 300'000>;      // 1 h, 5 min steps
  using day_window = sliding_window<24, 3'600'000>;     // 24 h, 1 h steps
  using probe_window = sliding_window<10, 60'000, false>;  // 10 min, counts
  using spree_window = sliding_window<12, 300'000>;        // 1 h, 5 min steps
  using goods_window = sliding_window<7, 86'400'000>;      // 7 d, 1 d steps

  /// A transaction's amount in the home currency, if both are known.
  struct money {
    const currency_rate* home = nullptr;  // null when unknown
    bool known = false;
    double amount_home = 0;
    std::int64_t home_minor = 0;
  };
  money price(const transaction& tx, const rates& fx) const;
  bool is_cp_high(const transaction& tx, const money& m) const;
  bool is_goods_high(const transaction& tx, const money& m) const;

  int home_index() const;
  void count_attempt(const transaction& tx, const money& m);

  minute_window w1m_;
  hour_window w1h_;
  day_window w24h_;
  probe_window probes_10m_;
  spree_window cp_high_1h_;  // card-present high-value purchases
  goods_window goods_high_7d_;  // large purchases of resaleable goods

  double last_lat_ = 0;
  double last_lon_ = 0;
  std::int64_t last_located_ms_ = 0;
  std::int64_t last_event_ms_ = 0;
  std::int64_t first_event_ms_ = 0;  // of the first approved transaction

  // spending profile: exponentially weighted once past profile_horizon
  double mean_amount_ = 0;
  double mean_log_ = 0;
  double var_log_ = 0;
  std::uint32_t tx_count_ = 0;

  std::array<std::uint64_t, max_devices> devices_{};  // FNV-1a of device_id
  std::array<std::array<char, 2>, max_countries> countries_{};
  std::array<std::uint16_t, max_countries> country_counts_{};
  std::uint8_t device_count_ = 0;
  std::uint8_t next_device_ = 0;
  bool has_location_ = false;
  std::array<char, 3> home_currency_{};  // all zero: none yet
};

} // namespace fraud::models
