// A built-in table of real cities: where cardholders live, travel to, shop
// online from, and where fraudsters work. Coordinates are city centres to
// about 0.01 degree; population (metro, millions, rounded) only weights how
// often a city is chosen.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "simulator/random.hpp"

namespace fraud::simulator {

struct city {
  const char* name;
  const char* country;  // ISO 3166 alpha-2
  double lat;
  double lon;
  double population_m;
};

/// Every city, in a fixed order (indices are stable for a given build).
const std::vector<city>& cities();

/// Local time offset from UTC in whole hours, from the longitude: close
/// enough for a daily rhythm, and the same every day (no summer time).
int utc_offset_hours(const city& c);

struct point {
  double lat;
  double lon;
};

/// A point uniformly spread over a disc of `radius_km` around the centre.
point near(const city& c, rng& r, double radius_km);

/// Index of the city with this name and country, or -1.
int find_city(std::string_view name, std::string_view country);

} // namespace fraud::simulator
