// An execution unit that runs an actor on the thread that sent it a
// message, when that message found the actor idle.
//
// Waking a scheduler worker for every transaction costs more than scoring
// it (20-30 us here, against 3 us of work): the ingress thread sends with
// this unit, and the card actor, if idle, handles the message right there.
// CAF's rules still hold: the actor runs on one thread at a time, in
// mailbox order; if it is busy on a worker, the message is only queued;
// what this actor sends to another idle actor (a card asking its device,
// IP address and merchant for their views, and their answers) runs here
// too, after it, a bounded number of them; anything beyond is scheduled
// as usual.
//
// Not thread-safe: one unit per sending thread, used only by that thread.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>

#include <cstddef>
#include <vector>

namespace fraud::actors {

class inline_unit final : public caf::execution_unit {
public:
  explicit inline_unit(caf::actor_system& sys);

  /// Runs `job` now on this thread or, when this unit is already running
  /// one (a message sent from a handler), right after it; beyond
  /// max_later of those, hands it to the scheduler.
  void exec_later(caf::resumable* job) override;

  static constexpr std::size_t max_later = 16;

private:
  void run(caf::resumable* job);

  bool running_ = false;
  std::vector<caf::resumable*> later_;  // made ready while running
};

} // namespace fraud::actors
