// A card's state as bytes: what a passivated card leaves behind, and what
// survives a restart. Compact (varints, only non-empty window buckets) and
// exact: loading a snapshot gives back the same state, field for field.
//
// Format: "FS", a format version byte, the fields of card_state and the
// card's recent transaction ids, and a 32-bit checksum of all that. A reader refuses versions it does not
// know and bytes that do not parse, so a corrupted row is reported instead
// of becoming a wrong history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/card_state.hpp"
#include "models/error.hpp"
#include "models/recent_ids.hpp"

namespace fraud::models {

inline constexpr std::uint8_t snapshot_format_version = 1;

/// Appends the snapshot of a card to `out` (cleared first).
void save_snapshot(const card_state& card, const recent_ids& recent,
                   std::string& out);

/// Restores a card; on failure returns MALFORMED saying what is wrong and
/// leaves the arguments as they were.
[[nodiscard]] error load_snapshot(std::string_view bytes,
                                         card_state& card,
                                         recent_ids& recent);

} // namespace fraud::models
