// One card and the world it lives in over the simulated period: what both
// its legitimate activity and an attack on it are generated from.
#pragma once

#include <cstdint>

#include "simulator/itinerary.hpp"

namespace fraud::simulator {

struct card_scene {
  const card_profile& card;
  std::uint32_t card_index;
  const itinerary& trips;
  const merchant_directory& shops;
  identity_pool& ids;
  std::int64_t start_ms;  // the period, [start, end)
  std::int64_t end_ms;
};

} // namespace fraud::simulator
