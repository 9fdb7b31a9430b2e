// One versioned log of a rules_bucket (service/rules_bucket.hpp) as an
// instance follows it and changes it: the fold of the entries seen, which
// revision is applied here, what each change made, and the two ways to
// wait for the watcher: catch_up() at start, publish() for a change
// (proposed until the fold accepts it, then seen applied here). The
// owner applies the entries (its own state, under its own lock) and
// tells this log through folded() and applied().
//
// Thread-safety: the owner's mutex guards this; the methods that say
// "takes the lock" take it themselves, the others are called under it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "models/error.hpp"
#include "service/rules_bucket.hpp"

namespace fraud::service {

class bucket_log {
public:
  /// `mtx` is the owner's, `what` names the log in messages ("rules").
  bucket_log(std::mutex& mtx, std::string what);

  /// Follows `b` from now (under the lock).
  void join(std::shared_ptr<rules_bucket> b, int timeout_ms);
  /// Stops following (takes the lock): a change waiting gives up.
  void leave();
  /// The bucket while followed, null once left (takes the lock).
  std::shared_ptr<rules_bucket> bucket() const;
  bool followed() const { return bucket_ != nullptr; }  // under the lock

  /// Folds the change at `revision` into state(), and remembers what it
  /// made for publish() (under the lock).
  fold_result fold_entry(const bucket_rules_change& c, std::uint64_t revision);
  /// `revision` is applied here (under the lock); notify() once unlocked.
  void applied(std::uint64_t revision);
  void notify() { applied_cv_.notify_all(); }
  std::uint64_t applied_revision() const { return applied_revision_; }
  const bucket_rules& state() const { return state_; }

  /// Applies the watcher's entries with `apply` (which takes the lock)
  /// until `revision` is applied here. Without the lock.
  fraud::error catch_up(std::uint64_t revision,
                        const std::function<void(bucket_entry)>& apply);

  /// What a change makes of the log's state: nothing for no change.
  using change = std::function<std::optional<bucket_rules_change>(
    const bucket_rules&)>;
  /// Proposes `make`'s change for `request` until the fold accepts it
  /// (another change first: made again on top of it, a few times) and it
  /// is applied here. The version the request runs, and the revision
  /// that made it. Without the lock.
  fraud::expected<std::pair<std::uint64_t, std::uint64_t>>
  publish(const std::string& request, const change& make);

  /// Waits (under `guard`, the owner's lock) until `revision` is applied
  /// here; false after the timeout or once left.
  bool wait_applied(std::unique_lock<std::mutex>& guard,
                    std::uint64_t revision);

private:
  std::mutex& mtx_;
  const std::string what_;
  std::shared_ptr<rules_bucket> bucket_;
  int timeout_ms_ = 5000;
  std::condition_variable applied_cv_;
  std::uint64_t applied_revision_ = 0;
  bucket_rules state_;
  std::map<std::uint64_t, std::uint64_t> outcomes_;  // revision -> version
                                                     // (0: refused), recent
};

} // namespace fraud::service
