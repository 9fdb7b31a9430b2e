// The ruleset and the exchange rates every card actor uses, each
// replaceable at run time: a shared_slot of each.
//
// Thread-safe. set() may be called from any thread; current() is the hot
// path: it reads one atomic generation number and, only when the value
// changed since this thread last looked, takes the lock to refresh a
// thread-local copy. Each call returns one whole value, so a transaction
// is always evaluated by exactly one version of the rules and of the rates.
//
// Generations are drawn from one process-wide counter, for every slot's
// construction and every set(): no two values of any two slots ever share
// one, so the thread-local copy is keyed by the generation alone and a new
// slot built where a dead one lived cannot be taken for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "models/rates.hpp"
#include "models/model_score.hpp"
#include "models/ruleset.hpp"
#include "models/tree_model.hpp"

namespace fraud::actors {

/// The next generation of any slot; never 0, which no cache holds.
std::uint64_t next_slot_generation();

template <class T>
class shared_slot {
public:
  explicit shared_slot(std::shared_ptr<const T> initial)
    : value_(std::move(initial)), generation_(next_slot_generation()) {
  }

  void set(std::shared_ptr<const T> value) {
    std::lock_guard<std::mutex> guard{mtx_};
    value_ = std::move(value);
    generation_.store(next_slot_generation(), std::memory_order_release);
  }

  std::shared_ptr<const T> get() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return value_;
  }

  /// The value in use. The reference stays valid on this thread until its
  /// next call to current() on a slot of the same type.
  const T& current() const {
    auto gen = generation_.load(std::memory_order_acquire);
    if (cache.generation != gen) {
      std::lock_guard<std::mutex> guard{mtx_};
      cache.generation = generation_.load(std::memory_order_relaxed);
      cache.value = value_;
    }
    return *cache.value;
  }

private:
  struct cached {
    std::uint64_t generation = 0;
    std::shared_ptr<const T> value;
  };
  static thread_local cached cache;

  mutable std::mutex mtx_;  // guards value_, and generation_'s changes
  std::shared_ptr<const T> value_;
  // Identifies value_ among every value of every slot; read without the
  // lock by current().
  std::atomic<std::uint64_t> generation_;
};

template <class T>
thread_local typename shared_slot<T>::cached shared_slot<T>::cache;

using rates_slot = shared_slot<models::rates>;

/// The running ruleset, with the trained model it runs with: set_model()
/// makes the running ruleset, and every one set() later, give the rules
/// the model's model_score (models/model_score.hpp) and name the model in
/// their decisions; a null model runs without. A rules change and a model
/// change each swap one whole (rules, model) pair: no transaction sees
/// one model's score under another's name.
class ruleset_slot {
public:
  explicit ruleset_slot(std::shared_ptr<const models::ruleset> initial)
    : plain_(initial), slot_(std::move(initial)) {
  }

  void set(std::shared_ptr<const models::ruleset> rules);
  void set_model(models::named_model model);
  void set_model(std::shared_ptr<const models::tree_model> model) {
    set_model(models::named_model{std::move(model), ""});
  }

  std::shared_ptr<const models::ruleset> get() const { return slot_.get(); }

  /// As shared_slot::current(): one whole ruleset (and model) a call.
  const models::ruleset& current() const { return slot_.current(); }

private:
  std::mutex mtx_;  // guards plain_ and model_, and orders the sets
  std::shared_ptr<const models::ruleset> plain_;  // as set()
  models::named_model model_;
  shared_slot<models::ruleset> slot_;  // plain_ with model_
};

} // namespace fraud::actors
