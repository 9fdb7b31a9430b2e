// Fraud that spans many cards at once, labelled per transaction with one
// attack id for the whole attack. No card shows anything alone: only the
// device, IP address or merchant the cards share does. As for the
// per-card typologies (typologies.hpp), every identifier comes from the
// same pools and functions as the cardholders'.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/dataset.hpp"
#include "simulator/itinerary.hpp"
#include "simulator/sim_record.hpp"

namespace fraud::simulator {

/// The population an attack on many cards draws its victims from.
struct group_scene {
  const std::vector<card_profile>& cards;
  const std::vector<itinerary>& trips;
  const merchant_directory& shops;
  identity_pool& ids;
  std::vector<std::vector<sim_record>>& records;  // per card
  std::int64_t from_ms;  // attacks start at or after this
  std::int64_t end_ms;
};

/// Whether `kind` attacks many cards at once (fraud_ring,
/// merchant_card_testing).
bool is_group_typology(protocol::fraud_label kind);

/// Adds one attack of `kind` on up to `size` cards taken from `candidates`
/// (in order; the cards taken are removed from it). Returns the cards
/// attacked, 0 when fewer than `min_cards` were suitable (a ring's victims
/// live near the first candidate; nothing is added then).
std::uint32_t inject_group_attack(protocol::fraud_label kind,
                                  std::uint32_t size, std::uint32_t min_cards,
                                  std::uint32_t attack_id,
                                  group_scene& scene, rng& r,
                                  std::vector<std::uint32_t>& candidates);

/// The most cards one attack takes: larger shares are split into attacks
/// of about equal size.
inline constexpr std::uint32_t max_ring_cards = 30;
inline constexpr std::uint32_t max_tested_cards = 80;
/// A ring needs at least this many victims near one another.
inline constexpr std::uint32_t min_ring_cards = 15;

} // namespace fraud::simulator
