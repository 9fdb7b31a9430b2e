// What live_model and live_rates share beyond live_versions: a text (a
// model's XGBoost JSON, a rates table) loaded into an immutable object
// that the card actors read from a slot, set and rolled back at run time,
// and in cluster mode one log of the rules' bucket that every instance
// follows.
//
// Alone, a change is kept in SQLite (rules_db) before it runs. In cluster
// mode (a rules_cluster given to open_with) the rules' bucket is the one
// source of truth (service/rules_bucket.hpp: the log named by `kind`, and
// the text beside each change, in parts), folded by the same rule as the
// rules (service/bucket_log.hpp): every instance runs the version the log
// folds to, under the same name, and keeps every version in its SQLite,
// so that history and rollback answer anywhere. At start an empty log is
// seeded with what would run here alone; a log that holds a version wins
// over the file given at start (logged). A change is checked here as
// alone (it loads), its text written to the bucket, then proposed; the
// reply comes once it runs here. The same signed change delivered to
// every instance is made once. A text an instance cannot load (an older
// fraudd) is logged there, and that instance keeps what it ran.
//
// Thread-safe: every method takes one lock. Card actors never take it:
// they read their slot.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "protocol/rules_codec.hpp"
#include "service/bucket_log.hpp"
#include "service/live_versions.hpp"

namespace fraud::service {

class live_text : public live_versions {
public:
  /// Stops following the bucket, before its connection closes; what runs
  /// keeps running. Idempotent.
  void leave_cluster();

  /// fraud.<kind>.set: loads `r.text` and, unless a dry run, runs it from
  /// the next transaction. A text that does not load is refused (the
  /// reply's errors, or error) and nothing changes. `request` names the
  /// request (its signature's nonce): in cluster mode the same request
  /// through several instances is made once.
  protocol::rules_change_reply set(const protocol::rules_set_request& r,
                                   const std::string& signer = {},
                                   const std::string& request = {});
  /// fraud.<kind>.rollback: runs a version kept before again.
  protocol::rules_change_reply
  rollback(const protocol::rules_rollback_request& r,
           const std::string& signer = {}, const std::string& request = {});

protected:
  /// `name` names a version ("model-3"), `what` the kind in errors
  /// ("model version"), `kind` the log and the log lines ("model"),
  /// `running` what set answers for the running text ("this is the
  /// running model").
  live_text(std::unique_ptr<rules_db> store, const request_limits& limits,
            std::string (*name)(std::uint64_t), std::string what,
            std::string kind, std::string running);
  ~live_text();

  /// Starts with what `file` (the option's, maybe empty) and the database
  /// say: alone, or following `cluster`'s log.
  fraud::error open_with(const std::string& file,
                         const rules_cluster* cluster);

  // What each kind does, under the lock.
  /// What runs at start alone: the file, else what ran last, else the
  /// built-in (empty text: nothing runs).
  virtual fraud::expected<start_choice> choose(const std::string& file) = 0;
  /// The text loaded, not run: the count its version is given (trees,
  /// currencies), or why not (`origin` names the text in it: a file, a
  /// version; empty for a text just sent).
  virtual fraud::expected<std::uint32_t>
  check(const std::string& text, const std::string& origin) = 0;
  /// Loads `text` as `version` and runs it; `how` says for the log line
  /// where it came from. A text that does not load is refused before
  /// anything changes.
  virtual fraud::error run(std::uint64_t version, const std::string& text,
                           const std::string& how) = 0;
  /// The reply refusing a text that does not load (check's error).
  virtual protocol::rules_change_reply refused(const fraud::error& why) = 0;
  /// Whether a change of `bytes` may be made now (change_limits).
  virtual fraud::error admit(std::size_t bytes) = 0;

  std::string text_;  // of version_; empty when nothing runs

private:
  fraud::error start(const std::string& file);

  // ---- cluster mode (live_text_cluster.cpp) ----
  fraud::error join(const rules_cluster& cluster, const std::string& file);
  fraud::error seed(const std::string& file);
  // The watcher's: one entry, under the lock; at start (`replaying`) a
  // change is only kept here, and the last one runs once all are read.
  void apply(bucket_entry e, bool replaying = false);
  fraud::error apply_change(const bucket_rules_change& c,
                            std::uint64_t revision, bool replaying);
  // The text the running version of the log has: its parts, or this
  // database's copy.
  fraud::expected<std::string> text_of(const bucket_rules_change& c);
  fraud::error run_state();
  protocol::rules_change_reply
  set_in_cluster(const protocol::rules_set_request& r, std::uint32_t count,
                 const std::string& signer, const std::string& request);

  std::string kind_;
  std::string unchanged_;  // "<running>: nothing changed"
  // Cluster mode, under mtx_.
  bool clustered_ = false;
  bucket_log log_;
  // Text parts seen and not yet used, by request (bounded).
  std::map<std::string, std::vector<std::string>> parts_;
};

} // namespace fraud::service
