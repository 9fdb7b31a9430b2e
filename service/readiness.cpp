#include "service/readiness.hpp"

namespace fraud::service {

readiness_report assess(const readiness_facts& f) {
  if (!f.started)
    return {false, "starting"};
  if (f.draining)
    return {false, "draining: shutting down, new transactions are refused"};
  if (!f.nats_connected)
    return {false, "not connected to NATS: reconnecting"};
  if (!f.subscribed)
    return {false, "not subscribed to the transaction subjects"};
  if (f.store_failing > 0)
    return {false, "decision store not writable: " + std::to_string(f.store_failing)
                     + " writes failed in a row (see the log), decisions "
                       "are queued meanwhile"};
  return {true, "ready"};
}

} // namespace fraud::service
