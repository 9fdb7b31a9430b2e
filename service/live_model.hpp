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
// In cluster mode (a rules_cluster given to open) the rules' bucket is the
// one source of truth for the model too (service/rules_bucket.hpp: the
// "model" log, and the model's text beside each change, in parts), folded
// by the same rule as the rules (service/bucket_log.hpp): every instance
// runs the version the log folds to, under the same model-N, and keeps
// every version in its SQLite, so that history and rollback answer
// anywhere. At start an empty log is seeded with what would run here
// alone (nothing, when no model ran here and no --model is given); a log
// that holds a model wins over --model (logged). A change is checked here
// as alone (it loads), its text written to the bucket, then proposed; the
// reply comes once it runs here. The same signed change delivered to
// every instance is made once. A model an instance cannot load (an older
// fraudd) is logged there, and that instance keeps what it ran.
//
// Thread-safe: every method takes one lock. Card actors never take it:
// they read the slot.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "actors/runtime/ruleset_slot.hpp"
#include "models/error.hpp"
#include "models/model_score.hpp"
#include "protocol/rules_codec.hpp"
#include "service/bucket_log.hpp"
#include "service/live_versions.hpp"

namespace fraud::service {

/// "model-3": how decisions name version 3.
std::string model_version_name(std::uint64_t version);

class live_model : public live_versions {
public:
  /// Loads what runs (see above) into `slot`, which must outlive this.
  /// Fails when the database cannot be used or the model does not load.
  /// With `cluster`, runs and follows the model log of that bucket.
  static fraud::expected<std::unique_ptr<live_model>>
  open(const std::string& db_path, const std::string& model_file,
       actors::ruleset_slot& slot, const request_limits& limits = {},
       const rules_cluster* cluster = nullptr);

  ~live_model();

  /// As live_rules::leave_cluster(): stops following the bucket, before
  /// its connection closes; what runs keeps running. Idempotent.
  void leave_cluster();

  /// fraud.model.set: loads `r.text` and, unless a dry run, runs it from
  /// the next transaction. The reply's version counts trees in `rules`;
  /// a model that does not load is in `errors`, and nothing changed.
  /// `request` names the request (its signature's nonce): in cluster mode
  /// the same request through several instances is made once.
  protocol::rules_change_reply set(const protocol::rules_set_request& r,
                                   const std::string& signer = {},
                                   const std::string& request = {});
  /// fraud.model.rollback: runs a version kept before again.
  protocol::rules_change_reply
  rollback(const protocol::rules_rollback_request& r,
           const std::string& signer = {}, const std::string& request = {});
  // fraud.model.get and .history, and the running version (0 when no
  // model runs): live_versions.

private:
  live_model(std::unique_ptr<rules_db> store, actors::ruleset_slot& slot,
             const request_limits& limits);
  fraud::error start(const std::string& model_file);
  // The reply that refuses a model: what runs, and why in errors.
  protocol::rules_change_reply refused(const fraud::error& why);
  void install(std::uint64_t version,
               std::shared_ptr<const models::tree_model> model);
  // What runs at start alone: --model, else what ran last; nothing
  // (version 0, empty text) for neither.
  fraud::expected<start_choice> choose(const std::string& model_file);

  // ---- cluster mode (live_model_cluster.cpp) ----
  fraud::error join(const rules_cluster& cluster,
                    const std::string& model_file);
  fraud::error seed(const std::string& model_file);
  // The watcher's: one entry, under the lock; at start (`replaying`) a
  // change is only kept here, and the last one runs once all are read.
  void apply(bucket_entry e, bool replaying = false);
  fraud::error apply_change(const bucket_rules_change& c,
                            std::uint64_t revision, bool replaying);
  // The text the running version of the log has: its parts, or this
  // database's copy.
  fraud::expected<std::string> text_of(const bucket_rules_change& c);
  fraud::error run_state();

  actors::ruleset_slot& slot_;
  std::string text_;  // of version_

  // Cluster mode, under mtx_.
  bool clustered_ = false;
  bucket_log log_{mtx_, "model"};
  // Text parts seen and not yet used, by request (bounded).
  std::map<std::string, std::vector<std::string>> parts_;
};

} // namespace fraud::service
