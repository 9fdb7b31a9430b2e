#include "simulator/population.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "simulator/cities.hpp"

namespace fraud::simulator {

namespace {

constexpr std::uint64_t population_stream = 0x706f70756c6174;  // "populat"

struct market_cities {
  std::vector<int> index;
  weighted_table by_population;
};

std::vector<market_cities> cities_by_market() {
  std::vector<market_cities> out;
  auto& all = cities();
  for (auto& m : issuing_markets()) {
    market_cities mc;
    std::vector<double> w;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (std::strcmp(all[i].country, m.country) == 0) {
        mc.index.push_back(static_cast<int>(i));
        w.push_back(all[i].population_m);
      }
    mc.by_population = weighted_table{w};
    out.push_back(std::move(mc));
  }
  return out;
}

} // namespace

const std::vector<segment>& segments() {
  // name, share, tx/day, median USD, sigma, online, ATM, trips/30 days,
  // foreign share of online purchases
  static const std::vector<segment> table = {
    {"student", 0.15, 1.6, 12, 0.75, 0.35, 0.05, 0.15, 0.25},
    {"everyday", 0.43, 1.3, 28, 0.8, 0.20, 0.06, 0.20, 0.15},
    {"family", 0.20, 1.7, 45, 0.8, 0.20, 0.04, 0.25, 0.12},
    {"affluent", 0.14, 1.5, 80, 0.9, 0.25, 0.02, 0.60, 0.25},
    {"business_traveller", 0.08, 2.0, 60, 0.9, 0.20, 0.02, 1.50, 0.25},
  };
  return table;
}

std::vector<card_profile> make_population(std::uint32_t n,
                                          std::uint64_t seed,
                                          const merchant_directory& shops,
                                          identity_pool& ids) {
  auto markets = cities_by_market();
  std::vector<double> market_weights;
  for (auto& m : issuing_markets())
    market_weights.push_back(m.share);
  std::vector<double> segment_weights;
  for (auto& s : segments())
    segment_weights.push_back(s.share);
  std::vector<card_profile> cards(n);
  // Office networks, by city: everyone at work shares its address (NAT).
  std::map<int, std::vector<int>> offices;
  for (std::uint32_t i = 0; i < n; ++i) {
    rng r{mix_seed(seed, population_stream, i)};
    auto& c = cards[i];
    c.token = make_card_token(r);
    // about one card in ten is a household's second card on one account
    const card_profile* household = nullptr;
    if (i > 0 && r.chance(0.1)) {
      household = &cards[i - 1];
      c.account = household->account;
    } else {
      c.account = make_account_id(r);
    }
    auto mi = r.weighted(market_weights);
    auto& mc = markets[mi];
    if (household != nullptr) {
      c.home = household->home;
      c.home_city = household->home_city;
    } else {
      c.home = &issuing_markets()[mi];
      c.home_city = mc.index[mc.by_population.draw(r)];
    }
    c.segment = static_cast<int>(r.weighted(segment_weights));
    auto& s = segments()[c.segment];
    c.tx_per_day = s.tx_per_day * r.lognormal(0, 0.3);
    c.median_amount = s.median_usd * c.home->units_per_usd * r.lognormal(0, 0.3);
    c.sigma = s.sigma * r.uniform(0.8, 1.2);
    c.ecom_share = s.ecom_share * r.uniform(0.5, 1.5);
    c.atm_share = s.atm_share * r.uniform(0.5, 1.5);
    c.trips_per_30d = s.trips_per_30d * r.uniform(0.5, 1.5);
    c.foreign_online_share = s.foreign_online_share * r.uniform(0.5, 1.5);
    c.devices.push_back(ids.new_device(r));  // a phone
    // a household shares its laptop or tablet, and its broadband
    if (household != nullptr && household->devices.size() > 1
        && r.chance(0.7))
      c.devices.push_back(household->devices[1]);
    else if (r.chance(0.5))
      c.devices.push_back(ids.new_device(r));  // a laptop or tablet
    c.home_ips.push_back(household != nullptr ? household->home_ips[0]
                                              : ids.new_ip(r));
    if (r.chance(0.6)) {
      // at work (behind the office's address) or on the phone's network
      auto& here = offices[c.home_city];
      auto most = static_cast<std::size_t>(std::clamp(
        static_cast<int>(cities()[c.home_city].population_m), 1, 10));
      if (r.chance(0.5)) {
        auto k = r.below(most);
        while (here.size() <= k)
          here.push_back(ids.new_ip(r));
        c.home_ips.push_back(here[k]);
      } else {
        c.home_ips.push_back(ids.new_ip(r));
      }
    }
    for (std::size_t k = 0; k < category_count; ++k) {
      auto cat = static_cast<category>(k);
      if (info(cat).channel == models::channel::ecom) {
        c.favourites[k] = {-1, -1};
        continue;
      }
      c.favourites[k] = {shops.local(r, c.home_city, cat),
                         shops.local(r, c.home_city, cat)};
    }
  }
  return cards;
}

} // namespace fraud::simulator
