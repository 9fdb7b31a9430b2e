#include "actors/runtime/ruleset_slot.hpp"

#include "models/model_score.hpp"

namespace fraud::actors {

namespace {

// Never 0, which no cache holds.
std::uint64_t next_generation() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

struct cached_ruleset {
  std::uint64_t generation = 0;
  std::shared_ptr<const models::ruleset> rules;
};

thread_local cached_ruleset cache;

} // namespace

ruleset_slot::ruleset_slot(std::shared_ptr<const models::ruleset> initial)
  : plain_(initial), rules_(std::move(initial)),
    generation_(next_generation()) {
}

void ruleset_slot::set(std::shared_ptr<const models::ruleset> rules) {
  std::lock_guard<std::mutex> guard{mtx_};
  plain_ = std::move(rules);
  rules_ = models::with_model_score(plain_, model_);
  generation_.store(next_generation(), std::memory_order_release);
}

void ruleset_slot::set_model(std::shared_ptr<const models::tree_model> model) {
  std::lock_guard<std::mutex> guard{mtx_};
  model_ = std::move(model);
  rules_ = models::with_model_score(plain_, model_);
  generation_.store(next_generation(), std::memory_order_release);
}

std::shared_ptr<const models::ruleset> ruleset_slot::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return rules_;
}

const models::ruleset& ruleset_slot::current() const {
  auto gen = generation_.load(std::memory_order_acquire);
  if (cache.generation != gen) {
    std::lock_guard<std::mutex> guard{mtx_};
    cache.generation = generation_.load(std::memory_order_relaxed);
    cache.rules = rules_;
  }
  return *cache.rules;
}

} // namespace fraud::actors
