// The card directory's table: card id to card actor, with when each card
// was last used, and the choice of which card gives way at the cap.
//
// Open addressing, so that a lookup touches two cache lines: the slot
// array (8 bytes a slot: a 32-bit tag of the id's hash and the index of
// the entry; linear probing, at most 3/4 full, so a hit is one or two
// probes in one line) and the entry itself (one line of 64 bytes, the id
// kept inline by the string's short form up to 15 characters). A slot's
// home is a function of its tag alone, so that growing or erasing moves
// slots without reading the entries they name. Entries are dense, in
// a vector: an erase moves the last entry into the hole, so that the idle
// sweep and the cap's hand walk contiguous memory, not a linked list.
//
// The cap (victim()): a hand moves over the entries like a CLOCK's, and
// of the next few entries it passes, the one least recently used gives
// way: no list to splice on every transaction (the linked LRU cost a cache
// miss per use), only a use counter written into the entry already read.
// With few cards it is exact LRU; with many, the least recent of a window.
//
// Not thread-safe: owned by one thread (the card directory's owner).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.hpp"
#include "actors/runtime/card_cell.hpp"

namespace fraud::actors {

class card_table {
public:
  // One cache line, aligned to one: a lookup that finds it reads the
  // card's cell from the line its id was compared in.
  struct alignas(64) entry {
    std::string card_id;
    card_actor handle;
    card_cell_ptr cell;  // the actor's state, for deciding without a message
    std::int64_t last_used_ns = 0;  // steady clock, for idleness
    std::uint64_t used = 0;         // the table's use count at the last use
  };

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  /// Entries the hand looks at to choose one that gives way.
  static constexpr std::size_t victim_window = 8;

  card_table();

  /// The index of the card's entry, or npos.
  std::size_t find(std::string_view card_id) const;

  /// Adds a card that is not in the table; returns its index. Grows the
  /// slot array (a rehash of the tags) when it is 3/4 full.
  std::size_t insert(std::string card_id, card_actor handle,
                     card_cell_ptr cell = nullptr);

  /// Records a use of the entry at `index` at now_ns.
  void touch(std::size_t index, std::int64_t now_ns) {
    auto& e = entries_[index];
    e.last_used_ns = now_ns;
    e.used = ++uses_;
  }

  /// Removes the entry at `index` and returns it. The last entry moves
  /// into its place, so whoever walks the entries looks at `index` again.
  /// The entry's slot is found from its id: take what you need of an entry
  /// from what this returns, never move it out before (an id that changed
  /// since insert() throws std::logic_error instead of scanning the table).
  entry erase(std::size_t index);

  /// The entry that should give way: of the next victim_window entries
  /// from the hand, the least recently used other than `keep` (npos if
  /// there is no other). Advances the hand past the entries it looked at.
  std::size_t victim(std::size_t keep = npos);

  entry& operator[](std::size_t index) { return entries_[index]; }
  const entry& operator[](std::size_t index) const { return entries_[index]; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  /// Slots (a power of two).
  std::size_t slots() const { return slots_.size(); }

  /// Takes every entry out, leaving the table empty.
  std::vector<entry> take_all();

private:
  // A slot: the entry's index + 1 (0 = empty) and a tag of its hash.
  struct slot {
    std::uint32_t tag = 0;
    std::uint32_t index1 = 0;
  };

  static std::uint32_t tag_of(std::string_view card_id);
  std::size_t home(std::uint32_t tag) const;
  std::size_t slot_of(std::size_t index) const;  // the slot naming it
  void place(slot s);
  void grow();

  std::vector<slot> slots_;
  std::size_t shift_ = 0;   // 64 - log2(slots)
  std::vector<entry> entries_;
  std::uint64_t uses_ = 0;
  std::size_t hand_ = 0;
};

} // namespace fraud::actors
