// Where a cardholder is over the simulated period: at home, on trips, or
// travelling between the two (when no card can be used: on a plane, on a
// train). Travel takes as long as it does in life, so a legitimate card
// never moves faster than an airliner.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/identity_pool.hpp"
#include "simulator/population.hpp"

namespace fraud::simulator {

/// Hours from leaving one city to being able to pay in the other: gate to
/// gate for a flight (great-circle distance at 780 km/h plus 36 minutes of
/// taxiing, climb and descent; real routes are longer), road or rail under
/// 400 km.
double travel_hours(int from_city, int to_city);

/// Great-circle distance between two cities of the table.
double city_distance_km(int a, int b);

struct stay {
  std::int64_t from_ms = 0;  // inclusive
  std::int64_t to_ms = 0;    // exclusive
  int city = 0;
  bool home = true;
  int ip = -1;               // on a trip: the hotel's or roaming IP
};

class itinerary {
public:
  /// Stays in time order; the gaps between them are travel.
  std::vector<stay> stays;

  /// The stay at `t`, or nullptr while travelling.
  const stay* at(std::int64_t t) const;
};

/// Home, with trips drawn from the card's travel habit, over [start, end).
itinerary plan_itinerary(const card_profile& card, rng& r,
                         std::int64_t start_ms, std::int64_t end_ms,
                         identity_pool& ids);

} // namespace fraud::simulator
