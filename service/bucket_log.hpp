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
#include <vector>

#include "models/error.hpp"
#include "service/rules_bucket.hpp"
#include "service/rules_db.hpp"

namespace fraud::service {

/// The bucket a fraudd in cluster mode keeps its rules, lists and model
/// in.
struct rules_cluster {
  natsConnection* conn = nullptr;  // open until leave_cluster()
  std::string bucket = "fraud-rules";
  int replicas = 3;        // when this instance creates the bucket
  int timeout_ms = 5000;   // each bucket call's wait, and a reply's wait
                           // for the change to be applied here
};

/// The bucket of `cluster` opened for `log` ("rules", "model"), watched,
/// and what it holds of that log now, in revision order.
fraud::expected<std::pair<std::shared_ptr<rules_bucket>,
                          std::vector<bucket_entry>>>
open_log(const rules_cluster& cluster, const std::string& log);

/// The "start" change that seeds an empty log with `c`, what an instance
/// would run alone (`count`: its rules, trees or currencies), kept in
/// `store`: numbered as there (or after its last version), with who made
/// it, and a floor above every number `store` gave out.
fraud::expected<bucket_rules_change>
seed_change(rules_db& store, const start_choice& c, std::uint32_t count,
            const std::string& what);

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
  /// The same, under the lock.
  rules_bucket* held() const { return bucket_.get(); }

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

  /// Numbers `store` gave out before this instance joined are not given
  /// again: a "floor" change when it has more than the log (best effort:
  /// a change that races it wins, and the next start tries). Without the
  /// lock; `apply` as for catch_up().
  fraud::error raise_floor(rules_db& store,
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

  /// publish() of a rollback to `v` by `who`; `with_text` puts v's text in
  /// the change (the rules'; a model's stays out: every instance keeps
  /// every version).
  fraud::expected<std::pair<std::uint64_t, std::uint64_t>>
  publish_rollback(const std::string& request, const stored_version& v,
                   bool with_text, const signature& who);

  /// Waits (under `guard`, the owner's lock) until `revision` is applied
  /// here; false after the timeout or once left.
  bool wait_applied(std::unique_lock<std::mutex>& guard,
                    std::uint64_t revision);
  /// The same until `done()` (under the lock); false after the timeout
  /// or once left.
  bool wait_until(std::unique_lock<std::mutex>& guard,
                  const std::function<bool()>& done);

  /// The version the change at `revision` made (0: refused, or unknown).
  std::uint64_t outcome(std::uint64_t revision) const {
    auto it = outcomes_.find(revision);
    return it == outcomes_.end() ? 0 : it->second;
  }

  /// The reply to a change publish() made (`made`), under `guard`: the
  /// version it runs as `info` gives it from `store`, once applied here
  /// (a warning when not yet, or when another runs since: `running` is
  /// the owner's running version, read after the wait); or `made`'s error
  /// with what runs (`running_reply`).
  template <class Info, class Running>
  protocol::rules_change_reply
  change_reply(std::unique_lock<std::mutex>& guard, rules_db& store,
               fraud::expected<std::pair<std::uint64_t, std::uint64_t>> made,
               std::vector<models::rules::rule_diagnostic> warnings,
               const std::uint64_t& running, Info info,
               Running running_reply,
               std::string (*name)(std::uint64_t)) {
    protocol::rules_change_reply out;
    if (!made) {
      out = running_reply();
      out.error = made.error();
      out.warnings = std::move(warnings);
      return out;
    }
    out.warnings = std::move(warnings);
    auto [version, revision] = *made;
    bool here = wait_applied(guard, revision);
    auto v = store.version(version);
    if (!v)
      out.error = v.error();
    else if (*v)
      out.version = info(**v);
    if (!here)
      out.warnings.push_back(models::rules::rule_diagnostic{
        0, 0, name(version) + " is in the cluster's bucket, and not yet "
                              "applied by this instance"});
    else if (running != version)
      out.warnings.push_back(models::rules::rule_diagnostic{
        0, 0, name(running) + " was made since, through the cluster, and "
                              "runs now"});
    return out;
  }

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
