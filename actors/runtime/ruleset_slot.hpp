// The ruleset every card actor evaluates, replaceable at run time.
//
// Thread-safe. set() may be called from any thread; current() is the hot
// path: it reads one atomic generation number and, only when the ruleset
// changed since this thread last looked, takes the lock to refresh a
// thread-local copy. Each call returns one whole ruleset, so a transaction
// is always evaluated by exactly one version.
//
// Generations are drawn from one process-wide counter, for every slot's
// construction and every set(): no two rulesets of any two slots ever
// share one, so the thread-local copy is keyed by the generation alone and
// a new slot built where a dead one lived cannot be taken for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "models/ruleset.hpp"
#include "models/tree_model.hpp"

namespace fraud::actors {

class ruleset_slot {
public:
  explicit ruleset_slot(std::shared_ptr<const models::ruleset> initial);

  void set(std::shared_ptr<const models::ruleset> rules);

  /// From now on the running ruleset, and every one set() later, runs with
  /// `model`'s model_score (models/model_score.hpp); null runs without.
  void set_model(std::shared_ptr<const models::tree_model> model);

  std::shared_ptr<const models::ruleset> get() const;

  /// The running ruleset. The reference stays valid on this thread until
  /// its next call to current().
  const models::ruleset& current() const;

private:
  mutable std::mutex mtx_;  // guards the next three, and generation_'s changes
  std::shared_ptr<const models::ruleset> plain_;  // as set()
  std::shared_ptr<const models::tree_model> model_;
  std::shared_ptr<const models::ruleset> rules_;  // plain_ with model_
  // Identifies rules_ among every ruleset of every slot; read without the
  // lock by current().
  std::atomic<std::uint64_t> generation_;
};

} // namespace fraud::actors
