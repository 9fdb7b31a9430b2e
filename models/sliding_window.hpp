// Count and sum of events over a sliding event-time window, in fixed memory.
//
// The window is N buckets of BucketMs each. An event lands in the bucket of
// its event time; a query at time t sums the buckets from the one holding t
// back N-1 buckets, so the window covers between (N-1)*BucketMs and
// N*BucketMs of history, sliding in BucketMs steps. Events older than the
// window are dropped on arrival, late ones inside it are counted where they
// belong, and queries never look at the wall clock: the same events always
// give the same answers. Sums saturate instead of wrapping.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace fraud::models {

struct snapshot_codec;

struct window_totals {
  std::uint32_t count = 0;
  std::uint64_t sum_minor = 0;
};

/// With Sums false only counts are kept (half the memory per bucket).
/// Counts saturate at 65,535 per bucket, sums at 2^32-1 minor units.
template <std::size_t N, std::int64_t BucketMs, bool Sums = true>
class sliding_window {
public:
  static constexpr std::int64_t bucket_ms = BucketMs;
  static constexpr std::size_t buckets = N;
  static constexpr bool has_sums = Sums;

  void add(std::int64_t time_ms, std::int64_t amount_minor) {
    auto b = bucket_of(time_ms);
    if (empty() || b > head_) {
      advance(b);
    } else if (b <= head_ - static_cast<std::int64_t>(N)) {
      return; // older than anything the window still holds
    }
    auto i = index(b);
    if (counts_[i] < std::numeric_limits<std::uint16_t>::max())
      ++counts_[i];
    if constexpr (Sums) {
      auto amount = static_cast<std::uint64_t>(amount_minor > 0 ? amount_minor
                                                                : 0);
      auto room = std::numeric_limits<std::uint32_t>::max() - sums_[i];
      sums_[i] += static_cast<std::uint32_t>(amount < room ? amount : room);
    }
  }

  /// Totals of the events in the window that ends at time_ms.
  window_totals at(std::int64_t time_ms) const {
    window_totals out;
    if (empty())
      return out;
    auto b = bucket_of(time_ms);
    for (std::size_t i = 0; i < N; ++i) {
      auto k = b - static_cast<std::int64_t>(i);
      if (k > head_)
        continue;
      if (k <= head_ - static_cast<std::int64_t>(N))
        break;
      out.count += counts_[index(k)];
      if constexpr (Sums)
        out.sum_minor += sums_[index(k)];
    }
    return out;
  }

private:
  friend struct snapshot_codec;  // models/card_snapshot.cpp

  static constexpr std::int64_t no_head
    = std::numeric_limits<std::int64_t>::min();

  bool empty() const { return head_ == no_head; }

  static std::int64_t bucket_of(std::int64_t time_ms) {
    // floor division, so that negative times stay ordered
    return time_ms >= 0 ? time_ms / BucketMs
                        : -((-time_ms + BucketMs - 1) / BucketMs);
  }

  static std::size_t index(std::int64_t bucket) {
    auto n = static_cast<std::int64_t>(N);
    return static_cast<std::size_t>(((bucket % n) + n) % n);
  }

  void clear(std::size_t i) {
    counts_[i] = 0;
    if constexpr (Sums)
      sums_[i] = 0;
  }

  void advance(std::int64_t b) {
    if (empty() || b - head_ >= static_cast<std::int64_t>(N)) {
      for (std::size_t i = 0; i < N; ++i)
        clear(i);
    } else {
      for (auto k = head_ + 1; k <= b; ++k)
        clear(index(k));
    }
    head_ = b;
  }

  std::int64_t head_ = no_head;  // newest bucket, or no_head when empty
  std::array<std::uint32_t, Sums ? N : 0> sums_{};
  std::array<std::uint16_t, N> counts_{};
};

} // namespace fraud::models
