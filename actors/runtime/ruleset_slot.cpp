#include "actors/runtime/ruleset_slot.hpp"

namespace fraud::actors {

std::uint64_t next_slot_generation() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

void ruleset_slot::set(std::shared_ptr<const models::ruleset> rules) {
  std::lock_guard<std::mutex> guard{mtx_};
  plain_ = std::move(rules);
  slot_.set(models::with_model_score(plain_, model_));
}

void ruleset_slot::set_model(models::named_model model) {
  std::lock_guard<std::mutex> guard{mtx_};
  model_ = std::move(model);
  slot_.set(models::with_model_score(plain_, model_));
}

} // namespace fraud::actors
