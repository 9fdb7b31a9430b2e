#include "service/loss_log.hpp"

#include <algorithm>

#include "actors/runtime/log.hpp"

namespace fraud::service {

namespace {

struct watch {
  const char* component;
  const char* what;  // "<n> <what> in the last ..."
  actors::counter actors::counters::*field;
};

using C = actors::counters;

constexpr watch watches[loss_log::watched] = {
  {"ingress", "malformed transactions rejected", &C::rejected_malformed},
  {"ingress", "invalid transactions rejected", &C::rejected_invalid},
  {"ingress", "transactions on a subject that does not name their card rejected",
   &C::rejected_subject},
  {"cards", "re-sends refused (their first decision could not be read)",
   &C::refused},
  {"snapshots", "card snapshots dropped (the snapshot queue was full: "
                "--snapshot-queue)",
   &C::snapshot_dropped},
  {"snapshots", "corrupt card snapshots (those cards started afresh)",
   &C::snapshot_corrupt},
  {"store", "decisions not stored (the store queue was full: --store-queue)",
   &C::store_dropped},
  {"ingress", "transactions refused OVERLOADED (a writer's backlog at its "
              "bound: --store-queue-mb, --snapshot-queue-mb)",
   &C::rejected_overloaded},
  {"fraudd", "requests refused at a limit (LIMIT_EXCEEDED)",
   &C::requests_limited},
  {"rules", "rules or lists changes refused (not signed by a trusted analyst)",
   &C::changes_denied},
  {"entities", "entity observations not shared with the cluster (the "
               "outbox was full, or NATS refused them)",
   &C::entity_observations_dropped},
  {"entities", "entity observations from the cluster refused (not "
               "decodable, or not from a valid transaction)",
   &C::entity_observations_refused},
};

} // namespace

loss_log::loss_log(const actors::counters& stats,
                   std::chrono::milliseconds period, bool own_thread)
  : stats_(stats), period_(period) {
  for (std::size_t i = 0; i < watched; ++i)
    last_[i] = (stats_.*watches[i].field).get();
  last_at_ = std::chrono::steady_clock::now();
  if (own_thread)
    looker_ = std::make_unique<periodic_thread>("fraud-losses", period_,
                                                [this] { tick(); });
}

loss_log::~loss_log() = default;

int loss_log::tick() {
  auto at = std::chrono::steady_clock::now();
  auto secs = static_cast<long long>(
    std::chrono::duration<double>(at - last_at_).count() + 0.5);
  last_at_ = at;
  int lines = 0;
  for (std::size_t i = 0; i < watched; ++i) {
    auto now = (stats_.*watches[i].field).get();
    if (now > last_[i]) {
      FRAUD_LOG(warn, watches[i].component,
                "{} {} in the last {} s ({} since start)", now - last_[i],
                watches[i].what, std::max(1LL, secs), now);
      ++lines;
    }
    last_[i] = now;
  }
  return lines;
}

} // namespace fraud::service
