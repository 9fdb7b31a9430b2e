// A card's state as bytes: what a passivated card leaves behind, and what
// survives a restart. Compact (varints, only non-empty window buckets) and
// exact: loading a snapshot gives back the same state, field for field.
//
// Format: "FS", a format version byte, the fields of card_state, the
// card's recent transaction ids, (from version 2) the first decisions of
// its latest transactions, (from version 3) its home currency, first event
// time and card-present high-value window, (from version 4) its window of
// large purchases of goods over 7 days, and a 32-bit checksum of all that.
// A reader refuses versions it does not know and bytes that do not parse, so a
// corrupted row is reported instead of becoming a wrong history. Version 1
// (no decisions) still loads: a card from before the upgrade comes back
// with its history and answers older re-sends from the decision store;
// versions 1 and 2 come back without a home currency (the next transaction
// gives it); versions 1 to 3 come back with no large purchases of goods
// remembered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/card_state.hpp"
#include "models/error.hpp"
#include "models/recent_decisions.hpp"
#include "models/recent_ids.hpp"

namespace fraud::models {

/// The version written; versions 1 to this one are read.
inline constexpr std::uint8_t snapshot_format_version = 4;

/// Writes the snapshot of a card into `out` (cleared first). The
/// decisions cost their size (a few hundred bytes each): the card keeps
/// only --resend-memory of them.
void save_snapshot(const card_state& card, const recent_ids& recent,
                   const recent_decisions& decisions, std::string& out);

/// The same, with no decisions kept.
void save_snapshot(const card_state& card, const recent_ids& recent,
                   std::string& out);

/// Restores a card; on failure returns MALFORMED saying what is wrong and
/// leaves the arguments as they were. A version 1 snapshot restores no
/// decisions (`decisions` is emptied).
[[nodiscard]] error load_snapshot(std::string_view bytes, card_state& card,
                                  recent_ids& recent,
                                  recent_decisions& decisions);

/// The same, ignoring the decisions a snapshot holds.
[[nodiscard]] error load_snapshot(std::string_view bytes, card_state& card,
                                  recent_ids& recent);

} // namespace fraud::models
