// Great-circle distance on a spherical Earth: accurate to about 0.5 %, far
// finer than the speeds that separate a flight from a cloned card.
#pragma once

namespace fraud::models {

double distance_km(double lat1, double lon1, double lat2, double lon2);

} // namespace fraud::models
