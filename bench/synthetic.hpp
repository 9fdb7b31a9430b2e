// Synthetic traffic for the benchmarks: valid transactions over a fixed
// population of cards, deterministic for a given index, so that every run
// and every service sees the same stream. Mostly ordinary spending; about
// one transaction in forty is large enough to make rules fire, so decisions
// carry reasons as real ones do.
//
// Not the simulator: it has no typologies and no labels. fraud-sim replay
// is the end-to-end driver of record; this only has to be valid and cheap.
#pragma once

#include <cstdint>
#include <string>

#include "models/transaction.hpp"

namespace fraud::bench {

/// "card-000042": the token of card number n.
std::string card_id(std::uint32_t n);

/// The i-th transaction of the stream over `cards` cards, event times
/// `step_ms` apart. Cards are visited in a scrambled order.
models::transaction synthetic_transaction(std::uint64_t i,
                                          std::uint32_t cards,
                                          std::int64_t step_ms = 1);

/// The card number the i-th transaction over `cards` cards goes to.
std::uint32_t synthetic_card(std::uint64_t i, std::uint32_t cards);

/// The i-th transaction of the stream, on card number `card` whatever the
/// stream would have chosen.
models::transaction synthetic_transaction_on(std::uint64_t i,
                                             std::uint32_t card,
                                             std::int64_t step_ms = 1);

} // namespace fraud::bench
