// The simulator's only source of randomness. std::mt19937_64's output is
// fixed by the C++ standard, but std:: distributions are not (each library
// implements them its own way), so every distribution here is written out:
// the same seed gives the same dataset with any standard library. Results
// that go through libm (log, exp, cos) are identical on the same platform.
//
// Not thread-safe; cheap to create, so each card gets its own stream.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace fraud::simulator {

/// Mixes a seed with stream numbers into an independent seed (splitmix64).
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t a,
                              std::uint64_t b = 0) {
  auto step = [](std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  return step(step(step(seed) ^ a) ^ (b * 0xd1b54a32d192ed03ull));
}

class rng {
public:
  explicit rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t bits() { return engine_(); }

  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }

  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Uniform integer in [0, n), without modulo bias. n > 0.
  std::uint64_t below(std::uint64_t n) {
    auto limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x;
    do
      x = engine_();
    while (x >= limit);
    return x % n;
  }

  /// Uniform integer in [lo, hi].
  int between(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  bool chance(double p) { return uniform() < p; }

  /// Standard normal (Box-Muller; one value per call, for simplicity).
  double normal() {
    double u1 = 1.0 - uniform();  // (0, 1]
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

  double normal(double mean, double sd) { return mean + sd * normal(); }

  /// exp(N(mu, sigma)): median exp(mu).
  double lognormal(double mu, double sigma) {
    return std::exp(normal(mu, sigma));
  }

  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }

  /// Poisson by Knuth's method: fine for the small means used here.
  int poisson(double mean) {
    double limit = std::exp(-mean);
    double p = 1.0;
    int k = 0;
    do {
      ++k;
      p *= uniform();
    } while (p > limit);
    return k - 1;
  }

  /// Index drawn with probability proportional to weights[i].
  std::size_t weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights)
      total += w;
    double x = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i])
        return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

  template <class T>
  const T& pick(const std::vector<T>& xs) {
    return xs[below(xs.size())];
  }

private:
  std::mt19937_64 engine_;
};

/// Draws from fixed weights in O(log n): for large tables drawn from often.
class weighted_table {
public:
  weighted_table() = default;
  explicit weighted_table(const std::vector<double>& weights) {
    double sum = 0;
    cumulative_.reserve(weights.size());
    for (double w : weights)
      cumulative_.push_back(sum += w);
  }

  std::size_t draw(rng& r) const {
    double x = r.uniform() * cumulative_.back();
    std::size_t lo = 0;
    std::size_t hi = cumulative_.size() - 1;
    while (lo < hi) {
      auto mid = (lo + hi) / 2;
      if (x < cumulative_[mid])
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }

  bool empty() const { return cumulative_.empty(); }
  std::size_t size() const { return cumulative_.size(); }

private:
  std::vector<double> cumulative_;
};

} // namespace fraud::simulator
