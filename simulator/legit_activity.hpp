// A cardholder's own transactions: everyday shopping with a daily rhythm,
// online purchases (some from foreign merchants, from the cardholder's own
// devices, located where the cardholder is), ATM withdrawals, occasional
// large purchases, a new phone now and then, and trips with their flights,
// hotels and car rentals.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/card_scene.hpp"
#include "simulator/sim_record.hpp"

namespace fraud::simulator {

/// Appends the card's legitimate transactions over [start, end) to `out`,
/// in no particular order.
void generate_legit(const card_scene& ctx, rng& r,
                    std::vector<sim_record>& out);

/// Radius within which an IP address is placed around the city it is in:
/// city-level geolocation.
inline constexpr double ip_radius_km = 15;

} // namespace fraud::simulator
