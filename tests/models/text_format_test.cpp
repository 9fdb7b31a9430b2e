// models::say and append_fixed write what snprintf writes, for the
// conversions the reason texts use, over many values: the hand-written
// rules' sentences are unchanged by leaving printf.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "models/text_format.hpp"

namespace {

using fraud::models::append_fixed;
using fraud::models::say;

template <class... Ts>
std::string printf_says(const char* fmt, Ts... xs) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, xs...);
  return buf;
}

TEST(text_format, fixed_decimals_are_printfs_digits) {
  std::mt19937_64 rng{42};
  std::uniform_real_distribution<double> wide{-1e7, 1e7};
  std::uniform_real_distribution<double> small{0, 10};
  for (int i = 0; i < 20000; ++i) {
    double x = i % 2 ? wide(rng) : small(rng);
    for (int d : {0, 1, 2, 6}) {
      std::string ours;
      append_fixed(x, d, ours);
      char fmt[8];
      std::snprintf(fmt, sizeof fmt, "%%.%df", d);
      ASSERT_EQ(ours, printf_says(fmt, x)) << x << " with " << d;
    }
  }
  // Ties and edges: printf rounds the exact binary value, so does to_chars.
  for (double x : {0.5, 1.5, 2.5, 0.125, 0.375, -0.5, -0.0, 1e300, 1e-300,
                   0.045, 1.005, 2.675}) {
    for (int d : {0, 1, 2}) {
      std::string ours;
      append_fixed(x, d, ours);
      char fmt[8];
      std::snprintf(fmt, sizeof fmt, "%%.%df", d);
      EXPECT_EQ(ours, printf_says(fmt, x)) << x << " with " << d;
    }
  }
  for (double x : {std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), std::nan("")}) {
    std::string ours;
    append_fixed(x, 2, ours);
    EXPECT_EQ(ours, printf_says("%.2f", x));
  }
}

TEST(text_format, sentences_are_what_snprintf_writes) {
  const char* f1 = "%.0f km from the last transaction %.0f minutes earlier: "
                   "%.0f km/h, faster than %.0f km/h";
  EXPECT_EQ(say(f1, 7210.4, 187.5, 2316.2, 900.0),
            printf_says(f1, 7210.4, 187.5, 2316.2, 900.0));
  const char* f2 = "%u small card-not-present payments (at most %.2f) in 10 "
                   "minutes, limit %.0f";
  EXPECT_EQ(say(f2, 4u, 2.0, 3.0), printf_says(f2, 4u, 2.0, 3.0));
  char country[3] = {'F', 'R', 0};
  const char* f3 = "first use in %s, for %.1fx the card's average amount (%.2f)";
  EXPECT_EQ(say(f3, country, 3.25, 84.536), printf_says(f3, country, 3.25, 84.536));
  EXPECT_EQ(say("100%% and %f", 1.0 / 3), printf_says("100%% and %f", 1.0 / 3));
  EXPECT_EQ(say("no conversion"), "no conversion");
  std::uint32_t big = 4'000'000'000u;
  EXPECT_EQ(say("%u cards", big), printf_says("%u cards", big));
}

} // namespace
