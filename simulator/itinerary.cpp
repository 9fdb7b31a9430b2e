#include "simulator/itinerary.hpp"

#include <algorithm>
#include <cstring>

#include "models/geo.hpp"
#include "simulator/cities.hpp"

namespace fraud::simulator {

namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 24 * hour_ms;

// Destinations abroad: big cities and nearby ones are likelier.
int pick_destination(const card_profile& card, rng& r) {
  auto& all = cities();
  auto& home = all[card.home_city];
  std::vector<double> w(all.size(), 0.0);
  bool domestic = r.chance(0.45);
  bool any_domestic = false;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (static_cast<int>(i) == card.home_city)
      continue;
    bool same_country = std::strcmp(all[i].country, home.country) == 0;
    if (same_country != domestic)
      continue;
    any_domestic |= same_country;
    double d = city_distance_km(card.home_city, static_cast<int>(i));
    w[i] = (0.2 + all[i].population_m) * (d < 3000 ? 3.0 : 1.0);
  }
  if (domestic && !any_domestic)  // a country with one city: go abroad
    for (std::size_t i = 0; i < all.size(); ++i)
      if (std::strcmp(all[i].country, home.country) != 0)
        w[i] = 0.2 + all[i].population_m;
  return static_cast<int>(r.weighted(w));
}

} // namespace

double city_distance_km(int a, int b) {
  auto& ca = cities()[a];
  auto& cb = cities()[b];
  return models::distance_km(ca.lat, ca.lon, cb.lat, cb.lon);
}

double travel_hours(int from_city, int to_city) {
  double d = city_distance_km(from_city, to_city);
  if (d < 400)
    return 0.3 + d / 90.0;
  return 0.6 + d / 780.0;
}

const stay* itinerary::at(std::int64_t t) const {
  // few stays per card: a linear scan is the fastest search
  for (auto& s : stays)
    if (t >= s.from_ms && t < s.to_ms)
      return &s;
  return nullptr;
}

itinerary plan_itinerary(const card_profile& card, rng& r,
                         std::int64_t start_ms, std::int64_t end_ms,
                         identity_pool& ids) {
  itinerary out;
  double days = static_cast<double>(end_ms - start_ms) / day_ms;
  int trips = r.poisson(card.trips_per_30d * days / 30.0);
  std::vector<std::int64_t> departures;
  for (int i = 0; i < trips; ++i) {
    auto day = static_cast<std::int64_t>(r.uniform(0, days));
    // leave between 06:00 and 21:00 local time
    auto local = r.uniform(6, 21) * hour_ms;
    auto offset = utc_offset_hours(cities()[card.home_city]) * hour_ms;
    departures.push_back(start_ms + day * day_ms
                         + static_cast<std::int64_t>(local) - offset);
  }
  std::sort(departures.begin(), departures.end());
  std::int64_t at_home_since = start_ms - 30 * day_ms;
  for (auto depart : departures) {
    if (depart <= at_home_since + day_ms)  // back less than a day ago
      continue;
    int dest = pick_destination(card, r);
    auto there = static_cast<std::int64_t>(
      travel_hours(card.home_city, dest) * hour_ms);
    auto length = static_cast<std::int64_t>(
      std::min(14.0, 1.5 + r.exponential(3.0)) * day_ms);
    stay away;
    away.from_ms = depart + there;
    away.to_ms = away.from_ms + length;
    away.city = dest;
    away.home = false;
    away.ip = ids.new_ip(r);
    out.stays.push_back({at_home_since, depart, card.home_city, true, -1});
    out.stays.push_back(away);
    at_home_since = away.to_ms + there;
  }
  out.stays.push_back({at_home_since, end_ms + 30 * day_ms, card.home_city,
                       true, -1});
  return out;
}

} // namespace fraud::simulator
