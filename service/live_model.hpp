// The trained model fraudd runs (models/model_score.hpp), changed at run
// time like the rules and the rates: a model file's text (XGBoost JSON,
// `fraud-sim train`) loaded into an immutable tree_model and swapped into
// the card actors' ruleset_slot in one step, with the name decisions give
// it ("model-3"). Every version, and when each ran, is kept in SQLite (the
// model_versions and model_activations tables of schema step 8, through
// rules_db) before it runs.
//
// A model that does not load (not JSON, cut short, another objective or
// booster, trained on other features) is refused with the reason and
// changes nothing: the reply's errors say why (the responder counts it).
//
// At start: --model FILE runs that file (kept as a new version unless a
// stored one has the same text; a file that does not load stops fraudd).
// Without it, the version that ran last runs again, so a restart never
// undoes a change made at run time; a database that never ran a model
// runs none (model_score is 0, decisions name no model).
//
// Not in the cluster's bucket (yet): with --cluster each instance keeps
// its own versions, and a change sent on fraud.model.set (no queue group)
// reaches every instance, which each make it, as for the rates.
//
// Thread-safe: every method takes one lock. Card actors never take it:
// they read the slot.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "actors/runtime/ruleset_slot.hpp"
#include "models/error.hpp"
#include "models/model_score.hpp"
#include "protocol/rules_codec.hpp"
#include "service/change_limits.hpp"
#include "service/rules_db.hpp"

namespace fraud::service {

/// "model-3": how decisions name version 3.
std::string model_version_name(std::uint64_t version);

class live_model {
public:
  /// Loads what runs (see above) into `slot`, which must outlive this.
  /// Fails when the database cannot be used or the model does not load.
  static fraud::expected<std::unique_ptr<live_model>>
  open(const std::string& db_path, const std::string& model_file,
       actors::ruleset_slot& slot, const request_limits& limits = {});

  /// fraud.model.set: loads `r.text` and, unless a dry run, runs it from
  /// the next transaction. The reply's version counts trees in `rules`;
  /// a model that does not load is in `errors`, and nothing changed.
  protocol::rules_change_reply set(const protocol::rules_set_request& r,
                                   const std::string& signer = {});
  /// fraud.model.rollback: runs a version kept before again.
  protocol::rules_change_reply
  rollback(const protocol::rules_rollback_request& r,
           const std::string& signer = {});
  /// fraud.model.get: a version's text (0: the running one).
  protocol::rules_get_reply get(const protocol::rules_get_request& r);
  /// fraud.model.history: versions and when each ran, newest first.
  protocol::rules_history_reply
  history(const protocol::rules_history_request& r);

  /// The running version; 0 when no model runs.
  std::uint64_t running() const;

private:
  live_model(std::unique_ptr<rules_db> store, actors::ruleset_slot& slot,
             const request_limits& limits);
  fraud::error start(const std::string& model_file);
  // The reply that refuses a model: what runs, and why in errors.
  protocol::rules_change_reply refused(const fraud::error& why);
  void install(std::uint64_t version,
               std::shared_ptr<const models::tree_model> model);
  protocol::rules_version info(const stored_version& v) const;
  protocol::rules_change_reply running_reply();

  mutable std::mutex mtx_;
  std::unique_ptr<rules_db> store_;
  actors::ruleset_slot& slot_;
  change_limits changes_;  // under mtx_
  std::uint64_t version_ = 0;
  std::string text_;  // of version_
};

} // namespace fraud::service
