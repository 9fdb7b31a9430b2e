#include "service/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace fraud::service {

int latency_histogram::index(std::uint64_t v) {
  if (v < sub_buckets)
    return static_cast<int>(v);
  int msb = 63 - __builtin_clzll(v);
  int magnitude = msb - sub_bits + 1;
  if (magnitude >= magnitudes)
    return buckets - 1;
  auto sub = static_cast<int>((v >> (msb - sub_bits)) & (sub_buckets - 1));
  return magnitude * sub_buckets + sub;
}

double latency_histogram::value_of(int i) {
  int magnitude = i / sub_buckets;
  int sub = i % sub_buckets;
  if (magnitude == 0)
    return sub;
  double base = std::ldexp(1.0, magnitude + sub_bits - 1);
  double width = std::ldexp(1.0, magnitude - 1);
  return base + (sub + 0.5) * width;
}

std::uint64_t latency_histogram::last_of(int i) {
  if (i >= buckets - 1)
    return UINT64_MAX;
  int magnitude = i / sub_buckets;
  int sub = i % sub_buckets;
  if (magnitude == 0)
    return static_cast<std::uint64_t>(sub);
  auto base = std::uint64_t{1} << (magnitude + sub_bits - 1);
  auto width = std::uint64_t{1} << (magnitude - 1);
  return base + (static_cast<std::uint64_t>(sub) + 1) * width - 1;
}

latency_histogram::snapshot_type latency_histogram::snapshot() const {
  snapshot_type s;
  for (int i = 0; i < buckets; ++i)
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
  s.max_ns = max_.load(std::memory_order_relaxed);
  return s;
}

std::uint64_t latency_histogram::snapshot_type::count() const {
  std::uint64_t n = 0;
  for (auto c : counts)
    n += c;
  return n;
}

double latency_histogram::snapshot_type::quantile_ns(double q) const {
  auto n = count();
  if (n == 0)
    return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
  if (rank == 0)
    rank = 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < buckets; ++i) {
    seen += counts[i];
    if (seen >= rank) {
      auto v = value_of(i);
      return max_ns > 0 && v > static_cast<double>(max_ns)
               ? static_cast<double>(max_ns)
               : v;
    }
  }
  return static_cast<double>(max_ns);
}

latency_histogram::snapshot_type
latency_histogram::snapshot_type::since(const snapshot_type& older) const {
  snapshot_type d;
  int top = -1;
  for (int i = 0; i < buckets; ++i) {
    d.counts[i] = counts[i] >= older.counts[i] ? counts[i] - older.counts[i]
                                               : 0;
    if (d.counts[i] > 0)
      top = i;
  }
  // The exact maximum of a window is not kept; the top bucket bounds it.
  d.max_ns = top < 0 ? 0
                     : static_cast<std::uint64_t>(
                         std::min(value_of(top), static_cast<double>(max_ns)));
  return d;
}

} // namespace fraud::service
