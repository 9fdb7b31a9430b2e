// Fraud, one attack at a time, labelled per transaction. Each typology is
// written as the fraudster behaves; nothing in its identifiers tells it
// apart (devices, IPs and merchants come from the same pools and functions
// as the cardholders'). Only behaviour reveals it.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/dataset.hpp"
#include "simulator/card_scene.hpp"
#include "simulator/sim_record.hpp"

namespace fraud::simulator {

struct attack_context {
  card_scene scene;
  std::int64_t from_ms;  // attacks start at or after this (after warm-up)
  std::uint32_t attack_id;
};

/// Adds one attack of `kind` to the card's records (its legitimate ones on
/// entry). A stolen card also loses its owner's later transactions. False
/// when the card gives the attack no opportunity (for example no genuine
/// use to clone after); the records are then unchanged.
bool inject_attack(protocol::fraud_label kind, const attack_context& ctx,
                   rng& r, std::vector<sim_record>& records);

/// Airliner speed used to decide what "impossible" travel is, km/h: a
/// cloned card is used in a city it could not have reached this fast.
inline constexpr double fastest_travel_kmh = 900;

} // namespace fraud::simulator
