// What live_rules, live_rates and live_model share: versions of a text
// kept in a rules_db, the version that runs, the one lock each of them
// takes in every method, the limits on changes, and the answers every one
// gives alike (the running version, get, history).
//
// Thread-safe: every public method takes the lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "models/error.hpp"
#include "protocol/rules_codec.hpp"
#include "service/bucket_log.hpp"
#include "service/change_limits.hpp"
#include "service/rules_db.hpp"

namespace fraud::service {

class live_versions {
public:
  /// The running version's number; 0 when nothing runs (a model).
  std::uint64_t running() const;

  /// fraud.<kind>.get: a version's text (0: the running one).
  protocol::rules_get_reply get(const protocol::rules_get_request& r);

  /// fraud.<kind>.history: versions and when each ran, newest first.
  protocol::rules_history_reply
  history(const protocol::rules_history_request& r);

protected:
  /// `name` names a version ("rules-7"), `what` the kind in errors ("rule
  /// version").
  live_versions(std::unique_ptr<rules_db> store, const request_limits& limits,
                std::string (*name)(std::uint64_t), std::string what);
  ~live_versions() = default;

  // Under the lock, all of these.
  protocol::rules_version info(const stored_version& v) const;
  protocol::rules_change_reply running_reply();
  /// running_reply() with `error`.
  protocol::rules_change_reply error_reply(fraud::error error);
  /// Keeps `text` as a new version and records that it runs, set by `who`:
  /// its number.
  fraud::expected<std::uint64_t> keep_set(const std::string& text,
                                          std::uint32_t count,
                                          const signature& who);
  /// The reply to a change `log` made (bucket_log::change_reply), once it
  /// runs here. Takes the lock.
  protocol::rules_change_reply
  log_reply(bucket_log& log,
            fraud::expected<std::pair<std::uint64_t, std::uint64_t>> made,
            std::vector<models::rules::rule_diagnostic> warnings = {});
  /// The stored version `version` to roll back to, or NOT_FOUND naming it.
  /// With `log` (a cluster's), a number beyond the last this instance has
  /// seen (made through another instance a moment ago, its entry still on
  /// the way) is waited for, under `guard`, until the log's timeout.
  fraud::expected<stored_version>
  rollback_target(std::uint64_t version, std::unique_lock<std::mutex>& guard,
                  bucket_log* log);

  mutable std::mutex mtx_;
  std::unique_ptr<rules_db> store_;
  change_limits changes_;
  std::uint64_t version_ = 0;

  /// How version `v` is named ("model-3").
  std::string name_of(std::uint64_t v) const { return name_(v); }

private:
  std::string (*name_)(std::uint64_t);
  std::string what_;
};

} // namespace fraud::service
