// Actor tests under CAF's deterministic test coordinator: no worker
// threads; a message is processed when the test runs the coordinator, so
// a test says exactly what has happened before each assertion.
#pragma once

#include <caf/all.hpp>

namespace fraud::test {

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
  }
};

/// The coordinator of a system made with test_config.
inline caf::scheduler::test_coordinator&
coordinator_of(caf::actor_system& sys) {
  return dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
}

} // namespace fraud::test
