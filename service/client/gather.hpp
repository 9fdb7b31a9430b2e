// One request, every instance's answer: fraud.query.* and fraud.stats are
// answered by every fraudd of a cluster, each from its own decision store
// and counters (README: Queries across instances). gather() publishes the
// request once, with a reply inbox of its own, and collects the answers
// until every instance the answers know of has answered, or the timeout.
//
// How many to wait for comes from the answers: each names its instance and
// how many live instances it knows of (fraud.v1.ReplyOrigin); the largest
// of those is the count. When the answers say one (a single fraudd), a
// short grace after the first answer lets a second one be seen without
// making the single case wait for the timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::service {

struct gather_options {
  int timeout_ms = 2000;  // for all the answers
  int grace_ms = 20;      // after the first answer, when it says one
  /// Wait for at least this many instances (when the caller knows more
  /// than the answers say: instances that do not count their peers), and
  /// without the grace once they answered.
  std::uint32_t min_instances = 0;
  /// Called with the request before it is sent (its reply subject set),
  /// e.g. to sign a change (service/client/signed_change.hpp); an error
  /// sends nothing and is returned.
  std::function<fraud::error(natsMsg*)> prepare;
};

struct gathered_reply {
  std::string instance;         // as the answer names it ("" from an old fraudd)
  std::uint32_t instances = 0;  // live instances it knows of
  std::string bytes;            // the reply, to decode as what was asked
};

struct gathered {
  std::vector<gathered_reply> replies;  // in arrival order, one an instance
  std::uint32_t expected = 0;  // the most instances any answer knew of (>= 1)
  /// Fewer answered than expected within the timeout.
  bool incomplete() const { return replies.size() < expected; }
};

/// Publishes `payload` on `subject` and gathers the answers. NATS_ERROR
/// when it cannot ask; "no responders" when nobody listens; a timeout
/// error when nobody answered in time. Answers that are no query reply at
/// all are kept (the caller's decoder says what is wrong with them).
fraud::expected<gathered> gather(nats_connection& conn,
                                 const std::string& subject,
                                 const std::string& payload,
                                 const gather_options& options);

} // namespace fraud::service
