// Service latency, recorded on the hot path and read by fraud.stats.
//
// Log-linear buckets (16 per power of two, so a percentile is within about
// 4 % of the truth) over 1 ns .. ~18 minutes. record() is one relaxed
// atomic increment: thread-safe and lock-free. snapshot() copies the
// counts; the difference of two snapshots is the histogram of the time
// between them, which is how "the last minute" is computed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace fraud::service {

class latency_histogram {
public:
  static constexpr int sub_bits = 4;
  static constexpr int sub_buckets = 1 << sub_bits;
  static constexpr int magnitudes = 40;
  static constexpr int buckets = magnitudes * sub_buckets;

  struct snapshot_type {
    std::array<std::uint64_t, buckets> counts{};
    std::uint64_t max_ns = 0;

    std::uint64_t count() const;
    /// The value at quantile q (0..1) in nanoseconds; 0 when empty.
    double quantile_ns(double q) const;
    /// This snapshot minus an older one of the same histogram.
    snapshot_type since(const snapshot_type& older) const;
  };

  void record(std::int64_t ns) {
    auto v = ns < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(ns);
    counts_[index(v)].fetch_add(1, std::memory_order_relaxed);
    auto m = max_.load(std::memory_order_relaxed);
    while (v > m && !max_.compare_exchange_weak(m, v,
                                                std::memory_order_relaxed))
      ;
  }

  snapshot_type snapshot() const;

  static int index(std::uint64_t v);
  /// The middle of a bucket's range.
  static double value_of(int index);
  /// The largest value a bucket holds (the last bucket: every larger one
  /// too, so UINT64_MAX).
  static std::uint64_t last_of(int index);

private:
  std::array<std::atomic<std::uint64_t>, buckets> counts_{};
  std::atomic<std::uint64_t> max_{0};
};

} // namespace fraud::service
