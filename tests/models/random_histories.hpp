// Random card histories for tests that compare rulesets: each card has a
// home, a spending habit and devices, and its transactions mix everyday
// spending with what the rules look for (travel, probes, bursts, spikes,
// sprees, new devices and countries, other and unknown currencies,
// out-of-order events), so that every default
// rule fires many times. Deterministic for a seed.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/models/sample_transaction.hpp"

namespace fraud::test {

class random_histories {
public:
  explicit random_histories(std::uint64_t seed) : rng_(seed) {}

  /// `cards` cards of `per_card` transactions each, interleaved card by
  /// card in event order of each card.
  std::vector<models::transaction> make(int cards, int per_card) {
    std::vector<models::transaction> out;
    for (int c = 0; c < cards; ++c)
      card("card-" + std::to_string(c), per_card, out);
    return out;
  }

private:
  struct city {
    const char* country;
    double lat, lon;
  };

  const city& pick_city() {
    static const city cities[] = {
      {"US", 40.71, -74.00}, {"US", 34.05, -118.24}, {"FR", 48.86, 2.35},
      {"GB", 51.51, -0.13},  {"DE", 52.52, 13.40},   {"JP", 35.68, 139.69},
      {"BR", -23.55, -46.63}, {"NG", 6.52, 3.38},    {"US", 41.88, -87.63},
      {"FR", 43.30, 5.37},
    };
    return cities[uniform(0, 9)];
  }

  int uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>{lo, hi}(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution{p}(rng_); }
  double lognormal(double mu, double sigma) {
    return std::lognormal_distribution<double>{mu, sigma}(rng_);
  }

  void card(const std::string& id, int n, std::vector<models::transaction>& out) {
    const city home = pick_city();
    double habit = lognormal(3.0, 0.8);  // typical amount
    std::vector<std::string> devices;
    for (int d = uniform(0, 2); d > 0; --d)
      devices.push_back(id + "-dev-" + std::to_string(d));
    std::int64_t t = t0_ms + uniform(0, 1000) * minute_ms;
    city here = home;
    int probes = 0;  // left in a card tester's burst
    int spree = 0;   // left in a thief's spree
    for (int i = 0; i < n; ++i) {
      if (probes == 0 && chance(0.02))
        probes = uniform(2, 6);
      if (spree == 0 && probes == 0 && i > 10 && chance(0.015))
        spree = uniform(3, 6);
      t += probes > 0  ? uniform(5, 90) * second_ms
           : spree > 0 ? uniform(3, 15) * minute_ms
                       : gap();
      auto tx = sample_tx(t, std::max(0.01, habit * lognormal(0, 0.4)));
      tx.card_id = id;
      tx.country = here.country;
      tx.merchant_id = "m-" + std::to_string(uniform(0, 30));
      tx.mcc = chance(0.1) ? 6051 : 5411;
      tx.ip = chance(0.5) ? "10.0.0." + std::to_string(uniform(1, 254)) : "";
      if (chance(0.05))
        tx.currency = "JPY";  // abroad, or in yen: about 1/160 of a euro
      else if (chance(0.01))
        tx.currency = "XTS";  // a code the rates do not know
      int kind = uniform(0, 99);
      if (kind < 12) {  // a trip: somewhere else, maybe impossibly soon
        here = pick_city();
        tx.country = here.country;
      } else if (kind < 20) {  // back home
        here = home;
        tx.country = here.country;
      }
      if (kind >= 20 && kind < 40) {  // online
        tx.channel = models::channel::ecom;
        if (devices.empty() || chance(0.2)) {
          devices.push_back(id + "-dev-" + std::to_string(uniform(10, 99)));
          if (chance(0.25))  // a new phone, and a big purchase with it
            tx.amount_minor *= uniform(3, 10);
        }
        tx.device_id = devices[static_cast<std::size_t>(
          uniform(0, static_cast<int>(devices.size()) - 1))];
        if (chance(0.3))
          tx.amount_minor = uniform(50, 500);  // a probe
        if (chance(0.3))
          tx.country = pick_city().country;  // a foreign web shop
      } else if (kind >= 40 && kind < 45) {
        tx.channel = models::channel::atm;
      }
      if (kind >= 45 && kind < 52) {  // a spike
        tx.amount_minor *= uniform(3, 30);
        // on goods, as a slow anomaly's purchases are
        static const std::uint32_t goods[] = {5732, 5944, 5399, 5311, 5712};
        tx.mcc = goods[(kind - 45) % 5];
      }
      if (!chance(0.15)) {
        tx.has_location = true;
        tx.lat = here.lat + (chance(0.5) ? 0.01 * uniform(-5, 5) : 0);
        tx.lon = here.lon;
      }
      if (spree > 0) {
        --spree;
        tx.channel = models::channel::pos;
        tx.device_id.clear();
        tx.amount_minor = static_cast<std::int64_t>(
          habit * 100 * uniform(4, 12));
      }
      if (probes > 0) {
        --probes;
        tx.channel = models::channel::ecom;
        tx.device_id = id + "-tester";
        tx.amount_minor = uniform(50, 600);
      }
      if (chance(0.03))  // late: older than what the card saw
        tx.event_time_ms -= uniform(1, 120) * minute_ms;
      out.push_back(std::move(tx));
    }
  }

  // Time to the next transaction: bursts of seconds, minutes, hours, days.
  std::int64_t gap() {
    int kind = uniform(0, 9);
    if (kind < 3)
      return uniform(1, 60) * second_ms;
    if (kind < 5)
      return uniform(1, 30) * minute_ms;
    if (kind < 8)
      return uniform(1, 12) * hour_ms;
    return uniform(1, 5) * day_ms;
  }

  std::mt19937_64 rng_;
};

} // namespace fraud::test
