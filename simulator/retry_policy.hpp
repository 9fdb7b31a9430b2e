// When fraud-sim replay sends a transaction again. A request answered "no
// responders" (nobody subscribes to its card's subject: a partition between
// owners during a handover or a failover) or not answered within the
// attempt timeout (its instance died with it) is re-sent, the same bytes
// with the same tx_id, after a backoff that doubles from `first_backoff`
// up to `max_backoff`, for as long as `retry_for` after the transaction was
// due. Re-sending is safe because fraudd answers a tx_id it has seen with
// its first decision, flagged duplicate.
//
// Pure: no clock, no thread. Times are steady-clock nanoseconds.
#pragma once

#include <cstdint>

namespace fraud::simulator {

struct retry_policy {
  std::int64_t first_backoff_ns = 5'000'000;   // 5 ms
  std::int64_t max_backoff_ns = 100'000'000;   // 100 ms
  std::int64_t retry_for_ns = 10'000'000'000;  // 10 s; 0: never re-send

  /// The wait before re-send number `retry` (1 for the first re-send):
  /// first_backoff * 2^(retry-1), at most max_backoff.
  std::int64_t backoff(std::uint32_t retry) const;

  /// Whether a re-send at `at_ns` of a transaction due at `due_ns` is still
  /// within the retry budget.
  bool may_resend(std::int64_t due_ns, std::int64_t at_ns) const {
    return retry_for_ns > 0 && at_ns <= due_ns + retry_for_ns;
  }

  /// The latest an answer to a transaction due at `due_ns` still counts:
  /// its last re-send's attempt timeout after the retry budget ends.
  std::int64_t answer_deadline(std::int64_t due_ns,
                               std::int64_t attempt_timeout_ns) const {
    return due_ns + retry_for_ns + attempt_timeout_ns;
  }
};

} // namespace fraud::simulator
