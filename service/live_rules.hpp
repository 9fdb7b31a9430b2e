// The rules fraudd runs, changed at run time: a rule text and the named
// lists, compiled and bound into one immutable ruleset that is swapped into
// the card actors' ruleset_slot in one step. Every version and list change
// is kept in SQLite (rules_db) before it runs.
//
// At start: --rules FILE runs that file (kept as a new version unless a
// stored one has the same text). Without it, the version that ran last
// runs again, so a restart never undoes a change made at run time; a new
// database starts with the built-in default ruleset (models/default.rules).
//
// Requests are held to service/change_limits.hpp before any work: a rule
// text's size and the compile rate before compiling, a list's size and the
// number of lists before an add; and replies to the rows that fit in one.
//
// In cluster mode (a rules_cluster given to open) the bucket is the one
// source of truth (service/rules_bucket.hpp says what it holds and why):
// - at start, what the bucket runs runs here, whatever --rules or the
//   local database say (logged); an empty bucket is seeded with what
//   would run here alone (two seeding at once: the first in the log wins
//   on both);
// - a change is checked here as alone (limits, compile, budget), then
//   written to the bucket (rules: proposed to the rules log, whose fold
//   accepts it or not and gives the version its number; lists: appended
//   to the lists' log),
//   and applied by every instance, this one included, when its watcher
//   sees it: kept in its SQLite (so history is answered here, with the
//   bucket's numbers) and swapped into the slot. The reply comes once the
//   change is applied here, naming the version the bucket decided;
// - a change the fold refuses (another came first) is tried again on the
//   state that beat it (as rules-(N+1), so both are in history and the
//   later one runs), up to 8 times, then refused with an error saying so;
// - the same signed change delivered to every instance (fraud.rules.* has
//   no queue group) is made once: the fold remembers the request's nonce,
//   and each instance answers with the version it made.
//
// Thread-safe: every method takes one lock. Card actors never take it:
// they read the slot. In cluster mode a watcher thread applies changes
// under the same lock, until leave_cluster().
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "models/error.hpp"

#include "actors/runtime/ruleset_slot.hpp"
#include "models/rules/compiled_ruleset.hpp"
#include "protocol/rules_codec.hpp"
#include "service/live_versions.hpp"
#include "service/request_limits.hpp"
#include "service/bucket_log.hpp"
#include "service/rules_bucket.hpp"
#include "service/rules_db.hpp"

namespace fraud::service {

/// "rules-7": how decisions name version 7.
std::string version_name(std::uint64_t version);

class live_rules : public live_versions {
public:
  /// Loads what runs (see above) into `slot`, which must outlive this.
  /// Fails when the database cannot be used or the rules do not compile.
  /// A ruleset whose measured cost (models/rules/rule_cost.hpp) passes
  /// `budget_us` a transaction is refused, at start and at run time.
  /// `limits` bound what requests may change (not the start).
  /// With `cluster`, runs and follows that bucket (see above).
  static fraud::expected<std::unique_ptr<live_rules>>
  open(const std::string& db_path, const std::string& rules_file,
       actors::ruleset_slot& slot, double budget_us = 50,
       const request_limits& limits = {},
       const rules_cluster* cluster = nullptr);

  ~live_rules();

  /// Stops following the bucket, before its connection closes and after
  /// nothing calls the changes any more (the responders are stopped); what
  /// runs keeps running, and changes are refused from now. Idempotent;
  /// nothing to do outside cluster mode.
  void leave_cluster();

  /// The changes. `signer` is who fraudd verified made it (the analyst's
  /// name and key), kept beside the request's free-text author.
  /// `request` names the request (its signature's nonce): in cluster mode
  /// the same request through several instances is made once.
  protocol::rules_change_reply set(const protocol::rules_set_request& r,
                                   const std::string& signer = {},
                                   const std::string& request = {});
  protocol::rules_change_reply
  rollback(const protocol::rules_rollback_request& r,
           const std::string& signer = {}, const std::string& request = {});
  protocol::list_change_reply change_list(const protocol::list_change& c,
                                          bool add,
                                          const std::string& signer = {},
                                          const std::string& request = {});
  /// Every list's name and size, or a page of one list's entries that
  /// takes at most `max_bytes` (service/request_limits.hpp: row_budget).
  protocol::lists_reply lists(const protocol::lists_query& q,
                              std::size_t max_bytes);

  /// What requests may ask (immutable: no lock).
  const request_limits& limits() const { return limits_; }

private:
  live_rules(std::unique_ptr<rules_db> store, actors::ruleset_slot& slot,
             double budget_us, const request_limits& limits);

  // BAD_REQUEST (field "text") when scoring with `candidate` costs more
  // than the budget on the sample traffic.
  fraud::error affordable(const models::ruleset& candidate) const;

  // What runs at start without a cluster: --rules, else what ran last,
  // else the default (rules_db.hpp: choose_start).
  fraud::expected<start_choice> choose(const std::string& rules_file);
  fraud::error start(const std::string& rules_file);
  static std::string
  describe_errors(const std::vector<models::rules::rule_diagnostic>& errors);
  void log_running(const std::string& from,
                   std::vector<models::rules::rule_diagnostic> warnings);

  // ---- cluster mode (live_rules_cluster.cpp) ----
  fraud::error join(const rules_cluster& cluster,
                    const std::string& rules_file);
  // Proposes what would run here alone to the empty bucket.
  fraud::error seed(const std::string& rules_file, bool& seeded);
  // Applies the watcher's entries here until `revision` is applied.
  fraud::error catch_up(std::uint64_t revision);
  fraud::error seed_lists();
  fraud::error match_lists(const std::vector<bucket_entry>& log);
  // The watcher's: applies one entry, under the lock.
  void apply(bucket_entry e);
  void apply_rules_change(const bucket_rules_change& c, std::uint64_t rev);
  fraud::error apply_rules(const bucket_rules& c);
  fraud::error keep_locally(const bucket_version& v);
  void apply_list_change(const bucket_list_change& c);
  protocol::list_change_reply
  publish_list_change(const bucket_list_change& whole);
  // Binds `p` to the current lists and puts it in the slot: the next
  // transaction of every card runs it.
  void install(std::uint64_t version,
               std::shared_ptr<const models::rules::rule_program> p);
  void rebind_lists(models::rules::named_lists lists);
  // Adds or removes `values` in the running snapshot of `list`.
  void change_in_memory(const std::string& list,
                        const std::vector<std::string>& values, bool add);

  actors::ruleset_slot& slot_;
  const double budget_us_;
  const request_limits limits_;
  std::shared_ptr<const models::rules::compiled_ruleset> rules_;
  std::shared_ptr<const models::rules::named_lists> lists_;

  // Cluster mode, all under mtx_.
  bool clustered_ = false;
  bucket_log log_{mtx_, "rules"};  // the rules log: its fold, what is
                                   // applied here, and changes through it
  struct applied_change {
    std::uint32_t parts = 0;
    std::uint32_t seen = 0;
    std::size_t changed = 0;
  };
  std::map<std::string, applied_change> changes_applied_;  // by request
  std::deque<std::string> changes_order_;  // bounds changes_applied_
};

} // namespace fraud::service
