#include "service/token_bucket.hpp"

#include <algorithm>

namespace fraud::service {

token_bucket::token_bucket(double per_second, double burst,
                           clock::time_point now)
  : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {
}

double token_bucket::tokens_at(clock::time_point now) const {
  // A time before the last one (a caller's clocks disagree) adds nothing.
  if (now <= last_)
    return tokens_;
  std::chrono::duration<double> elapsed = now - last_;
  return std::min(burst_, tokens_ + elapsed.count() * per_second_);
}

bool token_bucket::try_take(clock::time_point now) {
  tokens_ = tokens_at(now);
  last_ = std::max(last_, now);
  if (tokens_ < 1)
    return false;
  tokens_ -= 1;
  return true;
}

token_bucket::clock::duration
token_bucket::wait(clock::time_point now) const {
  auto missing = 1 - tokens_at(now);
  if (missing <= 0)
    return clock::duration::zero();
  return std::chrono::duration_cast<clock::duration>(
    std::chrono::duration<double>(missing / per_second_));
}

} // namespace fraud::service
