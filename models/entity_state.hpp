// What the service remembers about one device, IP address or merchant: the
// cards that used it recently and what became of their payments, in fixed
// memory. A ring of fraudsters shares devices and addresses across many
// cards, and card testers try many stolen numbers at one shop: neither
// shows in any single card's history, both show here.
//
// Event time decides, as for cards: windows end at the transaction's own
// time and the same events always give the same answers. Not thread-safe:
// owned by exactly one entity actor.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "models/sliding_window.hpp"

namespace fraud::models {

enum class entity_kind : std::uint8_t { device = 0, ip = 1, merchant = 2 };

inline constexpr std::size_t entity_kinds = 3;

/// "device", "ip" or "merchant": the prefix of its features in the rules.
const char* to_string(entity_kind k);

/// A card's 32-bit identity within an entity (FNV-1a of its id): two
/// cards that collide count once, which only ever undercounts.
std::uint32_t card_hash(std::string_view card_id);

/// Distinct cards seen, each with the time it was last seen, up to
/// Capacity of them; when full, the card seen longest ago is forgotten.
/// Counts therefore saturate at Capacity, far above any rule's threshold.
template <std::size_t Capacity>
class recent_cards {
public:
  static constexpr std::size_t capacity = Capacity;

  void add(std::uint32_t card, std::int64_t time_ms) {
    std::size_t oldest = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      if (cards_[i] == card) {
        if (time_ms > seen_[i])
          seen_[i] = time_ms;
        return;
      }
      if (seen_[i] < seen_[oldest])
        oldest = i;
    }
    if (size_ < Capacity) {
      cards_[size_] = card;
      seen_[size_] = time_ms;
      ++size_;
    } else if (time_ms > seen_[oldest]) {
      cards_[oldest] = card;
      seen_[oldest] = time_ms;
    }
  }

  /// Cards last seen after since_ms (a window (since_ms, now]).
  std::uint32_t count_after(std::int64_t since_ms) const {
    std::uint32_t n = 0;
    for (std::size_t i = 0; i < size_; ++i)
      n += seen_[i] > since_ms ? 1 : 0;
    return n;
  }

  std::size_t size() const { return size_; }

private:
  std::array<std::uint32_t, Capacity> cards_{};
  std::array<std::int64_t, Capacity> seen_{};
  std::uint32_t size_ = 0;
};

/// One entity as a transaction sees it: the windows end at its event time
/// and include it (its card is one of the cards counted), as the card's own
/// velocity features do. The declined share counts only the declines the
/// entity had heard of when the transaction reached it.
struct entity_view {
  bool present = false;  // the transaction names this entity
  std::uint32_t cards_10m = 0;
  std::uint32_t cards_1h = 0;
  std::uint32_t cards_24h = 0;
  // card-not-present payments at or under the small amount
  std::uint32_t small_cnp_count_1m = 0;
  std::uint32_t small_cnp_count_10m = 0;
  std::uint32_t small_cnp_cards_1m = 0;   // distinct cards that made them
  std::uint32_t small_cnp_cards_10m = 0;
  // its payments over the last hour, and the share of them declined
  std::uint32_t uses_1h = 0;
  double declined_share_1h = 0;
};

/// A transaction as an entity records it.
struct entity_use {
  std::uint32_t card = 0;  // card_hash() of its card
  std::int64_t time_ms = 0;
  bool small_cnp = false;  // card-not-present, at or under the small amount
};

class entity_state {
public:
  static constexpr std::size_t max_cards = 32;

  /// Records the use and returns the entity as that use sees it.
  entity_view observe(const entity_use& use);

  /// One of its payments was declined (at the payment's event time). Only
  /// declines are told: the payments themselves are counted by observe.
  void declined(std::int64_t time_ms);

  /// The newest event time it has seen, 0 before any.
  std::int64_t last_event_ms() const { return last_event_ms_; }

private:
  recent_cards<max_cards> cards_;
  recent_cards<max_cards> small_cnp_cards_;
  sliding_window<6, 10'000, false> small_cnp_1m_;    // 50-60 s
  sliding_window<10, 60'000, false> small_cnp_10m_;  // 9-10 min
  sliding_window<12, 300'000, false> uses_1h_;       // 55-60 min
  sliding_window<12, 300'000, false> declined_1h_;
  std::int64_t last_event_ms_ = 0;
};

} // namespace fraud::models
