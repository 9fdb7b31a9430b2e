// The exchange rates fraudd converts amounts with (models/rates.hpp),
// changed at run time like the rules: a rates text, parsed into an
// immutable table that is swapped into the card actors' rates_slot in one
// step. Every version, and when each was used, is kept in SQLite (the
// rate_versions and rate_activations tables, through rules_db) before it
// is used.
//
// At start: --rates FILE uses that file (kept as a new version unless a
// stored one has the same text; a file that does not parse stops fraudd,
// naming the line). Without it, the version used last is used again, so a
// restart never undoes a change made at run time; a new database starts
// with the built-in table (models/default.rates) as rates-1.
//
// Not in the cluster's bucket (yet): with --cluster each instance keeps
// its own versions, and a change sent on fraud.rates.set (no queue group)
// reaches every instance, which each make it.
//
// Thread-safe: every method takes one lock. Card actors never take it:
// they read the slot.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "actors/runtime/ruleset_slot.hpp"
#include "models/error.hpp"
#include "models/rates.hpp"
#include "protocol/rules_codec.hpp"
#include "service/live_versions.hpp"

namespace fraud::service {

/// "rates-3": how version 3 is named.
std::string rates_version_name(std::uint64_t version);

class live_rates : public live_versions {
public:
  /// Loads what is used (see above) into `slot`, which must outlive this.
  static fraud::expected<std::unique_ptr<live_rates>>
  open(const std::string& db_path, const std::string& rates_file,
       actors::rates_slot& slot, const request_limits& limits = {});

  /// fraud.rates.set: the table of `r.text` (errors name their lines,
  /// column 1), used from the next transaction unless a dry run. The
  /// reply's version counts currencies in `rules`.
  protocol::rules_change_reply set(const protocol::rules_set_request& r,
                                   const std::string& signer = {});
  // fraud.rates.get (0: the version in use), fraud.rates.history
  // (versions and when each was used, newest first), and the version in
  // use: live_versions.

private:
  live_rates(std::unique_ptr<rules_db> store, actors::rates_slot& slot,
             const request_limits& limits);
  fraud::error start(const std::string& rates_file);
  void install(std::uint64_t version, models::rates table);

  actors::rates_slot& slot_;
  std::string text_;  // of version_
};

/// The problems of a rates text that does not parse, one a line ("line 3:
/// ..."), as diagnostics with their line numbers (column 1).
std::vector<models::rules::rule_diagnostic>
rates_diagnostics(const fraud::error& e);

} // namespace fraud::service
