#include "actors/runtime/ruleset_slot.hpp"

namespace fraud::actors {

std::uint64_t next_slot_generation() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

} // namespace fraud::actors
