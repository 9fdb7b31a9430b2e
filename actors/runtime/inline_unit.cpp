#include "actors/runtime/inline_unit.hpp"

#include <caf/scheduler/abstract_coordinator.hpp>

namespace fraud::actors {

inline_unit::inline_unit(caf::actor_system& sys) : caf::execution_unit(&sys) {
}

void inline_unit::exec_later(caf::resumable* job) {
  auto& scheduler = system().scheduler();
  if (running_) {
    scheduler.enqueue(job);
    return;
  }
  running_ = true;
  auto result = job->resume(this, scheduler.max_throughput());
  running_ = false;
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
