// For tests that route to real card actors on a threaded actor system, as
// fraudd runs them: the system and the environment every card shares.
// Decisions are only counted (in `stats`), not kept.
#pragma once

#include <memory>
#include <string_view>

#include <caf/all.hpp>

#include "actors/card.hpp"
#include "actors/counters.hpp"
#include "actors/runtime/ruleset_slot.hpp"

namespace fraud::test {

class discarding_sink : public actors::decision_sink {
public:
  std::string_view deliver(const models::decision&,
                           const actors::score_request&) override {
    return {};
  }
  void deliver_duplicate(std::string_view,
                         const actors::score_request&) override {
  }
  void refuse(const fraud::error&, const actors::score_request&) override {
  }
};

struct threaded_cards {
  threaded_cards() : rules(models::make_default_ruleset()) {
    cfg.set("scheduler.policy", caf::atom("sharing"));
    env.sink = &sink;
    env.rules = &rules;
    env.stats = &stats;
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  caf::actor_system_config cfg;
  discarding_sink sink;
  actors::counters stats;
  actors::ruleset_slot rules;
  actors::card_environment env;
  // Last, so that it goes first: its actors use everything above.
  std::unique_ptr<caf::actor_system> sys;
};

} // namespace fraud::test
