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
// one source of truth for the model too: its "model" log, as live_text.hpp
// says. At start an empty log is seeded with what would run here alone
// (nothing, when no model ran here and no --model is given).
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
#include "service/live_text.hpp"

namespace fraud::service {

/// "model-3": how decisions name version 3.
std::string model_version_name(std::uint64_t version);

class live_model : public live_text {
public:
  /// Loads what runs (see above) into `slot`, which must outlive this.
  /// Fails when the database cannot be used or the model does not load.
  /// With `cluster`, runs and follows the model log of that bucket.
  static fraud::expected<std::unique_ptr<live_model>>
  open(const std::string& db_path, const std::string& model_file,
       actors::ruleset_slot& slot, const request_limits& limits = {},
       const rules_cluster* cluster = nullptr);

  ~live_model() { leave_cluster(); }

  // fraud.model.set (the reply's version counts trees in `rules`),
  // .rollback, .get and .history, and the running version (0 when no
  // model runs): live_text and live_versions.

private:
  live_model(std::unique_ptr<rules_db> store, actors::ruleset_slot& slot,
             const request_limits& limits);
  fraud::expected<start_choice> choose(const std::string& model_file) override;
  fraud::expected<std::uint32_t> check(const std::string& text,
                                       const std::string& origin) override;
  fraud::error run(std::uint64_t version, const std::string& text,
                   const std::string& how) override;
  protocol::rules_change_reply refused(const fraud::error& why) override;
  fraud::error admit(std::size_t bytes) override;

  actors::ruleset_slot& slot_;
};

} // namespace fraud::service
