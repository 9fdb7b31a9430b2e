// A token bucket: how often something costly may happen. It holds at most
// `burst` tokens, gains `per_second` of them a second, and each time the
// costly thing happens it takes one; with none left, the answer is "not
// now" at once, and nothing waits. fraudd bounds rule compiles with it.
//
// Time is given by the caller, so that tests drive it without sleeping.
// Not thread-safe: the owner serialises calls (live_rules, under its lock).
#pragma once

#include <chrono>

namespace fraud::service {

class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  /// Full at `now`. `per_second` and `burst` must be positive.
  token_bucket(double per_second, double burst, clock::time_point now);

  /// Takes a token and returns true, or returns false and takes nothing.
  bool try_take(clock::time_point now);

  /// How long from `now` until a token is there (zero when one is).
  clock::duration wait(clock::time_point now) const;

private:
  double tokens_at(clock::time_point now) const;

  double per_second_;
  double burst_;
  double tokens_;
  clock::time_point last_;  // when tokens_ was right
};

} // namespace fraud::service
