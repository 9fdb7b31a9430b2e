#include "actors/runtime/inline_unit.hpp"

#include <caf/scheduler/abstract_coordinator.hpp>

namespace fraud::actors {

inline_unit::inline_unit(caf::actor_system& sys) : caf::execution_unit(&sys) {
  later_.reserve(max_later);
}

void inline_unit::exec_later(caf::resumable* job) {
  auto& scheduler = system().scheduler();
  if (running_) {
    // Made ready by the job running here (a card asking its entities, an
    // entity answering the card): run next on this thread, as a worker
    // would, unless enough are waiting already.
    if (later_.size() < max_later) {
      later_.push_back(job);
      return;
    }
    scheduler.enqueue(job);
    return;
  }
  running_ = true;
  run(job);
  // Each job run may make more ready: run them in the order they became
  // ready, a bounded number of them.
  for (std::size_t i = 0; i < later_.size(); ++i)
    run(later_[i]);
  later_.clear();
  running_ = false;
}

void inline_unit::run(caf::resumable* job) {
  auto& scheduler = system().scheduler();
  auto result = job->resume(this, scheduler.max_throughput());
  // The reference the enqueue took for us: kept by the scheduler when the
  // job goes on there, dropped otherwise (as CAF's own workers do).
  switch (result) {
    case caf::resumable::resume_later:
      scheduler.enqueue(job);
      break;
    case caf::resumable::done:
    case caf::resumable::awaiting_message:
      intrusive_ptr_release(job);
      break;
    case caf::resumable::shutdown_execution_unit:
      break; // only scheduler workers' own jobs say this
  }
}

} // namespace fraud::actors
