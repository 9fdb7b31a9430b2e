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
// Thread-safe: every method takes one lock. Card actors never take it:
// they read the slot.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "models/error.hpp"

#include "actors/runtime/ruleset_slot.hpp"
#include "models/rules/compiled_ruleset.hpp"
#include "protocol/rules_codec.hpp"
#include "service/change_limits.hpp"
#include "service/request_limits.hpp"
#include "service/rules_db.hpp"

namespace fraud::service {

/// "rules-7": how decisions name version 7.
std::string version_name(std::uint64_t version);

class live_rules {
public:
  /// Loads what runs (see above) into `slot`, which must outlive this.
  /// Fails when the database cannot be used or the rules do not compile.
  /// A ruleset whose measured cost (models/rules/rule_cost.hpp) passes
  /// `budget_us` a transaction is refused, at start and at run time.
  /// `limits` bound what requests may change (not the start).
  static fraud::expected<std::unique_ptr<live_rules>>
  open(const std::string& db_path, const std::string& rules_file,
       actors::ruleset_slot& slot, double budget_us = 50,
       const request_limits& limits = {});

  /// The changes. `signer` is who fraudd verified made it (the analyst's
  /// name and key), kept beside the request's free-text author.
  protocol::rules_change_reply set(const protocol::rules_set_request& r,
                                   const std::string& signer = {});
  protocol::rules_change_reply
  rollback(const protocol::rules_rollback_request& r,
           const std::string& signer = {});
  protocol::rules_get_reply get(const protocol::rules_get_request& r);
  protocol::rules_history_reply
  history(const protocol::rules_history_request& r);
  protocol::list_change_reply change_list(const protocol::list_change& c,
                                          bool add,
                                          const std::string& signer = {});
  /// Every list's name and size, or a page of one list's entries that
  /// takes at most `max_bytes` (service/request_limits.hpp: row_budget).
  protocol::lists_reply lists(const protocol::lists_query& q,
                              std::size_t max_bytes);

  /// The running version's number.
  std::uint64_t running() const;

  /// What requests may ask (immutable: no lock).
  const request_limits& limits() const { return limits_; }

private:
  live_rules(std::unique_ptr<rules_db> store, actors::ruleset_slot& slot,
             double budget_us, const request_limits& limits);

  // BAD_REQUEST (field "text") when scoring with `candidate` costs more
  // than the budget on the sample traffic.
  fraud::error affordable(const models::ruleset& candidate) const;

  fraud::error start(const std::string& rules_file);
  // Binds `p` to the current lists and puts it in the slot: the next
  // transaction of every card runs it.
  void install(std::uint64_t version,
               std::shared_ptr<const models::rules::rule_program> p);
  void rebind_lists(models::rules::named_lists lists);
  protocol::rules_version info(const stored_version& v) const;
  protocol::rules_change_reply running_reply();

  mutable std::mutex mtx_;
  std::unique_ptr<rules_db> store_;
  actors::ruleset_slot& slot_;
  const double budget_us_;
  const request_limits limits_;
  change_limits changes_;  // under mtx_
  std::uint64_t version_ = 0;
  std::shared_ptr<const models::rules::compiled_ruleset> rules_;
  std::shared_ptr<const models::rules::named_lists> lists_;
};

} // namespace fraud::service
