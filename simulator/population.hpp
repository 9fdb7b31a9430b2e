// The cardholders: where they live, how much and how they spend, and the
// devices and home IP addresses they shop online with.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "simulator/categories.hpp"
#include "simulator/identity_pool.hpp"
#include "simulator/markets.hpp"
#include "simulator/merchant_directory.hpp"

namespace fraud::simulator {

/// A kind of cardholder; each card varies around its segment.
struct segment {
  const char* name;
  double share;            // of the population
  double tx_per_day;
  double median_usd;       // typical purchase
  double sigma;            // spread of log amounts
  double ecom_share;       // of purchases made online
  double atm_share;
  double trips_per_30d;
  double foreign_online_share;  // online purchases from foreign merchants
};

const std::vector<segment>& segments();

struct card_profile {
  std::string token;
  std::string account;
  int home_city = 0;
  const market* home = nullptr;  // country and billing currency
  int segment = 0;
  double tx_per_day = 0;
  double median_amount = 0;      // major units of the billing currency
  double sigma = 0;
  double ecom_share = 0;
  double atm_share = 0;
  double trips_per_30d = 0;
  double foreign_online_share = 0;
  std::vector<int> devices;      // in use at the start (identity pool)
  std::vector<int> home_ips;     // (identity pool)
  /// Two regular shops per card-present category near home, -1 for none.
  std::array<std::array<int, 2>, category_count> favourites{};
};

/// `n` cards from `seed`; each card is drawn from its own stream (seed, i).
std::vector<card_profile> make_population(std::uint32_t n,
                                          std::uint64_t seed,
                                          const merchant_directory& shops,
                                          identity_pool& ids);

} // namespace fraud::simulator
