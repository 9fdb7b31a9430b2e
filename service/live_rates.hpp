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
// In cluster mode (a rules_cluster given to open) the rules' bucket is the
// one source of truth for the rates too: its "rates" log, as live_text.hpp
// says, so that every instance converts with the same table under the
// same rates-N, one that joins later or missed a change too. At start an
// empty log is seeded with what would be used here alone.
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
#include "service/live_text.hpp"

namespace fraud::service {

/// "rates-3": how version 3 is named.
std::string rates_version_name(std::uint64_t version);

class live_rates : public live_text {
public:
  /// Loads what is used (see above) into `slot`, which must outlive this.
  /// With `cluster`, uses and follows the rates log of that bucket.
  static fraud::expected<std::unique_ptr<live_rates>>
  open(const std::string& db_path, const std::string& rates_file,
       actors::rates_slot& slot, const request_limits& limits = {},
       const rules_cluster* cluster = nullptr);

  ~live_rates() { leave_cluster(); }

  // fraud.rates.set (the table of `r.text`, errors naming their lines,
  // column 1; the reply's version counts currencies in `rules`),
  // .rollback, .get (0: the version in use) and .history (versions and
  // when each was used, newest first), and the version in use: live_text
  // and live_versions.

private:
  live_rates(std::unique_ptr<rules_db> store, actors::rates_slot& slot,
             const request_limits& limits);
  fraud::expected<start_choice> choose(const std::string& rates_file) override;
  fraud::expected<std::uint32_t> check(const std::string& text,
                                       const std::string& origin) override;
  fraud::error run(std::uint64_t version, const std::string& text,
                   const std::string& how) override;
  protocol::rules_change_reply refused(const fraud::error& why) override;
  fraud::error admit(std::size_t bytes) override;

  actors::rates_slot& slot_;
};

/// The problems of a rates text that does not parse, one a line ("line 3:
/// ..."), as diagnostics with their line numbers (column 1).
std::vector<models::rules::rule_diagnostic>
rates_diagnostics(const fraud::error& e);

} // namespace fraud::service
