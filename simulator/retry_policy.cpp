#include "simulator/retry_policy.hpp"

#include <algorithm>

namespace fraud::simulator {

std::int64_t retry_policy::backoff(std::uint32_t retry) const {
  auto wait = std::max<std::int64_t>(first_backoff_ns, 0);
  for (std::uint32_t k = 1; k < retry && wait < max_backoff_ns; ++k)
    wait *= 2;
  return std::min(wait, max_backoff_ns);
}

} // namespace fraud::simulator
