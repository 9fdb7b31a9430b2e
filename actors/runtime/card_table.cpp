#include "actors/runtime/card_table.hpp"

#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/fnv.hpp"

namespace fraud::actors {

namespace {

constexpr std::size_t initial_slots = 64;  // a power of two

} // namespace

card_table::card_table() : slots_(initial_slots), shift_(64 - 6) {
  static_assert(initial_slots == std::size_t{1} << 6);
  static_assert(sizeof(entry) == 64);
}

std::uint32_t card_table::tag_of(std::string_view card_id) {
  return static_cast<std::uint32_t>(models::fnv1a_64(card_id));
}

std::size_t card_table::home(std::uint32_t tag) const {
  // Fibonacci hashing: the top bits of the product mix every bit of the
  // tag (FNV-1a's low 32 bits).
  return static_cast<std::size_t>(
    (std::uint64_t{tag} * 0x9e3779b97f4a7c15ull) >> shift_);
}

std::size_t card_table::find(std::string_view card_id) const {
  auto tag = tag_of(card_id);
  auto mask = slots_.size() - 1;
  for (auto s = home(tag);; s = (s + 1) & mask) {
    auto& sl = slots_[s];
    if (sl.index1 == 0)
      return npos;
    if (sl.tag == tag && entries_[sl.index1 - 1].card_id == card_id)
      return sl.index1 - 1;
  }
}

void card_table::place(slot sl) {
  auto mask = slots_.size() - 1;
  auto s = home(sl.tag);
  while (slots_[s].index1 != 0)
    s = (s + 1) & mask;
  slots_[s] = sl;
}

void card_table::grow() {
  std::vector<slot> old(slots_.size() * 2);
  old.swap(slots_);
  --shift_;
  for (auto& sl : old)
    if (sl.index1 != 0)
      place(sl);
}

std::size_t card_table::insert(std::string card_id, card_actor handle,
                               card_cell_ptr cell) {
  if ((entries_.size() + 1) * 4 > slots_.size() * 3)
    grow();
  auto tag = tag_of(card_id);
  auto index = entries_.size();
  entries_.push_back(
    entry{std::move(card_id), std::move(handle), std::move(cell), 0, 0});
  place(slot{tag, static_cast<std::uint32_t>(index + 1)});
  return index;
}

std::size_t card_table::slot_of(std::size_t index) const {
  auto mask = slots_.size() - 1;
  for (auto s = home(tag_of(entries_[index].card_id));; s = (s + 1) & mask) {
    if (slots_[s].index1 == index + 1)
      return s;
    // The entry is in its id's probe run, which ends at an empty slot.
    // Not there: its id changed since it was inserted (moved out, say),
    // and walking on would scan the whole table for each erase.
    if (slots_[s].index1 == 0)
      throw std::logic_error("card_table: the id of entry "
                             + std::to_string(index)
                             + " changed after it was inserted");
  }
}

card_table::entry card_table::erase(std::size_t index) {
  // Backward-shift deletion: the entries after the hole in its probe run
  // move up when their home allows, so no tombstones build up.
  auto mask = slots_.size() - 1;
  auto hole = slot_of(index);
  for (auto s = (hole + 1) & mask; slots_[s].index1 != 0; s = (s + 1) & mask) {
    auto want = home(slots_[s].tag);
    // Movable into the hole unless its home lies cyclically in (hole, s].
    if (((s - want) & mask) >= ((s - hole) & mask)) {
      slots_[hole] = slots_[s];
      hole = s;
    }
  }
  slots_[hole] = slot{};
  auto gone = std::move(entries_[index]);
  auto last = entries_.size() - 1;
  if (index != last) {
    slots_[slot_of(last)].index1 = static_cast<std::uint32_t>(index + 1);
    entries_[index] = std::move(entries_[last]);
  }
  entries_.pop_back();
  if (hand_ >= entries_.size())
    hand_ = 0;
  return gone;
}

std::size_t card_table::victim(std::size_t keep) {
  auto n = entries_.size();
  auto best = npos;
  auto best_used = std::numeric_limits<std::uint64_t>::max();
  auto window = victim_window < n ? victim_window : n;
  for (std::size_t k = 0; k < window; ++k) {
    auto i = (hand_ + k) % n;
    if (i != keep && entries_[i].used < best_used) {
      best = i;
      best_used = entries_[i].used;
    }
  }
  if (n > 0)
    hand_ = (hand_ + window) % n;
  return best;
}

std::vector<card_table::entry> card_table::take_all() {
  std::vector<entry> all;
  all.swap(entries_);
  slots_.assign(initial_slots, slot{});
  shift_ = 64 - 6;
  hand_ = 0;
  return all;
}

} // namespace fraud::actors
