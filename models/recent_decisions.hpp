// The decisions a card made for its last few transactions, encoded as they
// went out, so that a re-sent transaction is answered with its first
// decision from the card's own memory: no store, no backlog, no wait.
//
// Exact (ids are compared in full), unlike recent_ids. Both survive
// passivation in the card's snapshot (format version 2), so that a re-send
// reaching another instance after a failover, whose decision store never
// saw the first decision, is still answered with it. One buffer per card:
// records are appended and the oldest dropped, so a card holds at most
// `capacity` of them and one allocation. An encoded decision with reasons is a few hundred bytes, so
// each record kept costs every live card that much: two (the usual
// re-send is of the card's latest transaction, or the one before it while
// a new one came in) cost about 550 bytes a card with ordinary histories
// (bench/card_state_bench --history 20: 2,896 bytes a card, 2,336 without
// them; eight cost 4,884). Older re-sends are read from the store. How
// many a card keeps is the service's choice (--resend-memory), up to
// max_capacity, which is what recent_ids remembers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fraud::models {

class recent_decisions {
public:
  static constexpr std::size_t max_capacity = 8;

  /// Remembers `decision` (encoded) for tx_id; forgets the oldest beyond
  /// `keep` (at most max_capacity; 0 keeps nothing). Ids or decisions too
  /// large to frame are not kept.
  void add(std::string_view tx_id, std::string_view decision,
           std::size_t keep = 2);

  /// The decision kept for tx_id; empty when there is none.
  std::optional<std::string_view> find(std::string_view tx_id) const;

  std::size_t size() const { return count_; }

  /// Calls f(tx_id, decision) for each record, oldest first.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t at = 0; at < buf_.size();) {
      const char* r = buf_.data() + at;
      f(std::string_view{r + header, id_size(r)},
        std::string_view{r + header + id_size(r), decision_size(r)});
      at += record_size(r);
    }
  }

  /// Bytes held on the heap.
  std::size_t memory() const { return buf_.capacity(); }

  /// Asks the CPU to fetch the records now, ahead of an add() (which
  /// reads the oldest and moves the rest): a card's records are rarely in
  /// cache, and fetched while the transaction is scored they are there
  /// when its decision is added. Changes nothing.
  void prefetch() const {
    const char* p = buf_.data();
    for (std::size_t at = 0; at < buf_.size(); at += 64)
      __builtin_prefetch(p + at, 1);
  }

private:
  // Each record: id length (2 bytes), decision length (4 bytes), the id,
  // the decision. Oldest first.
  static constexpr std::size_t header = 6;
  static std::size_t record_size(const char* record);
  static std::uint16_t id_size(const char* record);
  static std::uint32_t decision_size(const char* record);

  std::string buf_;
  std::uint8_t count_ = 0;
};

} // namespace fraud::models
