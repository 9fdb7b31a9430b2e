#include "service/live_model.hpp"

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

std::string model_version_name(std::uint64_t version) {
  return "model-" + std::to_string(version);
}

live_model::live_model(std::unique_ptr<rules_db> store,
                       actors::ruleset_slot& slot,
                       const request_limits& limits)
  : live_text(std::move(store), limits, model_version_name, "model version",
              "model", "this is the running model"),
    slot_(slot) {
}

fraud::expected<std::unique_ptr<live_model>>
live_model::open(const std::string& db_path, const std::string& model_file,
                 actors::ruleset_slot& slot, const request_limits& limits,
                 const rules_cluster* cluster) {
  auto store = rules_db::open(db_path, versioned::models);
  if (!store)
    return store.error();
  std::unique_ptr<live_model> self{
    new live_model(std::move(*store), slot, limits)};
  if (auto err = self->open_with(model_file, cluster))
    return err;
  return self;
}

fraud::expected<start_choice>
live_model::choose(const std::string& model_file) {
  auto last = store_->last_activation();
  if (!last)
    return last.error();
  if (model_file.empty() && !*last)
    return start_choice{};
  // There is no built-in model: choose_start runs with a file or with
  // what ran last, never the empty default.
  return choose_start(*store_, model_file, "--model", "", "",
                      "model version");
}

fraud::expected<std::uint32_t>
live_model::check(const std::string& text, const std::string& origin) {
  auto model = models::parse_score_model(
    text, origin.empty() ? "the model" : origin);
  if (!model)
    return model.error();
  return static_cast<std::uint32_t>((*model)->tree_count());
}

fraud::error live_model::run(std::uint64_t version, const std::string& text,
                             const std::string& how) {
  if (version == 0) {
    FRAUD_LOG(info, "model", "no model (--model, fraudctl model set): "
              "model_score is 0");
    return {};
  }
  auto model = models::parse_score_model(text, model_version_name(version));
  if (!model)
    return model.error();
  version_ = version;
  text_ = text;
  FRAUD_LOG_LIMITED(60, info, "model",
                    "{} running ({} trees, depth {}, {} features; {})",
                    model_version_name(version), (*model)->tree_count(),
                    (*model)->depth(), (*model)->feature_count(), how);
  slot_.set_model(
    models::named_model{std::move(*model), model_version_name(version)});
  return {};
}

protocol::rules_change_reply live_model::refused(const fraud::error& why) {
  auto out = running_reply();
  out.errors.push_back(models::rules::rule_diagnostic{0, 0, why.what()});
  return out;
}

fraud::error live_model::admit(std::size_t) {
  return changes_.load(token_bucket::clock::now());
}

} // namespace fraud::service
