#include "models/geo.hpp"

#include <algorithm>
#include <cmath>

namespace fraud::models {

double distance_km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double earth_radius_km = 6371.0088;
  constexpr double rad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * rad;
  double dlon = (lon2 - lon1) * rad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2)
             + std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dlon / 2)
                 * std::sin(dlon / 2);
  return 2 * earth_radius_km * std::asin(std::sqrt(std::min(1.0, a)));
}

} // namespace fraud::models
