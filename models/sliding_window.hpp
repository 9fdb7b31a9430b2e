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

template <std::size_t N, std::int64_t BucketMs>
class sliding_window {
public:
  static constexpr std::int64_t bucket_ms = BucketMs;
  static constexpr std::size_t buckets = N;

  void add(std::int64_t time_ms, std::int64_t amount_minor) {
    auto b = bucket_of(time_ms);
    if (empty_ || b > head_) {
      advance(b);
    } else if (b <= head_ - static_cast<std::int64_t>(N)) {
      return; // older than anything the window still holds
    }
    auto& slot = slots_[index(b)];
    if (slot.count < std::numeric_limits<std::uint32_t>::max())
      ++slot.count;
    auto amount = static_cast<std::uint64_t>(amount_minor > 0 ? amount_minor
                                                              : 0);
    auto room = std::numeric_limits<std::uint32_t>::max() - slot.sum;
    slot.sum += static_cast<std::uint32_t>(amount < room ? amount : room);
  }

  /// Totals of the events in the window that ends at time_ms.
  window_totals at(std::int64_t time_ms) const {
    window_totals out;
    if (empty_)
      return out;
    auto b = bucket_of(time_ms);
    for (std::size_t i = 0; i < N; ++i) {
      auto k = b - static_cast<std::int64_t>(i);
      if (k > head_)
        continue;
      if (k <= head_ - static_cast<std::int64_t>(N))
        break;
      out.count += slots_[index(k)].count;
      out.sum_minor += slots_[index(k)].sum;
    }
    return out;
  }

private:
  friend struct snapshot_codec;  // models/card_snapshot.cpp

  struct slot {
    std::uint32_t count = 0;
    std::uint32_t sum = 0; // minor units, saturating
  };

  static std::int64_t bucket_of(std::int64_t time_ms) {
    // floor division, so that negative times stay ordered
    return time_ms >= 0 ? time_ms / BucketMs
                        : -((-time_ms + BucketMs - 1) / BucketMs);
  }

  static std::size_t index(std::int64_t bucket) {
    auto n = static_cast<std::int64_t>(N);
    return static_cast<std::size_t>(((bucket % n) + n) % n);
  }

  void advance(std::int64_t b) {
    if (empty_ || b - head_ >= static_cast<std::int64_t>(N)) {
      slots_.fill(slot{});
    } else {
      for (auto k = head_ + 1; k <= b; ++k)
        slots_[index(k)] = slot{};
    }
    head_ = b;
    empty_ = false;
  }

  std::array<slot, N> slots_{};
  std::int64_t head_ = 0;
  bool empty_ = true;
};

} // namespace fraud::models
