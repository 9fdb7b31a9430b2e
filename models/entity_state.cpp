#include "models/entity_state.hpp"

#include <algorithm>

#include "models/fnv.hpp"

namespace fraud::models {

namespace {

constexpr std::int64_t minute_ms = 60'000;

} // namespace

const char* to_string(entity_kind k) {
  switch (k) {
    case entity_kind::device:
      return "device";
    case entity_kind::ip:
      return "ip";
    case entity_kind::merchant:
      return "merchant";
  }
  return "?";
}

std::uint32_t card_hash(std::string_view card_id) {
  return fnv1a_32(card_id);
}

entity_view entity_state::observe(const entity_use& use) {
  const auto t = use.time_ms;
  cards_.add(use.card, t);
  if (use.small_cnp) {
    small_cnp_cards_.add(use.card, t);
    small_cnp_1m_.add(t, 0);
    small_cnp_10m_.add(t, 0);
  }
  uses_1h_.add(t, 0);
  if (t > last_event_ms_)
    last_event_ms_ = t;
  entity_view v;
  v.present = true;
  v.cards_10m = cards_.count_after(t - 10 * minute_ms);
  v.cards_1h = cards_.count_after(t - 60 * minute_ms);
  v.cards_24h = cards_.count_after(t - 24 * 60 * minute_ms);
  v.small_cnp_count_1m = small_cnp_1m_.at(t).count;
  v.small_cnp_count_10m = small_cnp_10m_.at(t).count;
  v.small_cnp_cards_1m = small_cnp_cards_.count_after(t - minute_ms);
  v.small_cnp_cards_10m = small_cnp_cards_.count_after(t - 10 * minute_ms);
  v.uses_1h = uses_1h_.at(t).count;
  // A decline told late (after its payment left the use window) cannot
  // make the share exceed 1.
  v.declined_share_1h = std::min(
    1.0, static_cast<double>(declined_1h_.at(t).count) / v.uses_1h);
  return v;
}

void entity_state::declined(std::int64_t time_ms) {
  declined_1h_.add(time_ms, 0);
  if (time_ms > last_event_ms_)
    last_event_ms_ = time_ms;
}

} // namespace fraud::models
