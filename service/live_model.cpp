#include "service/live_model.hpp"

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

using models::rules::rule_diagnostic;

namespace {

// What a log line says of a model.
void log_model(std::uint64_t version, const models::tree_model& m,
               const std::string& how) {
  FRAUD_LOG_LIMITED(60, info, "model",
                    "{} running ({} trees, depth {}, {} features; {})",
                    model_version_name(version), m.tree_count(), m.depth(),
                    m.feature_count(), how);
}

std::uint32_t trees_of(const models::tree_model& m) {
  return static_cast<std::uint32_t>(m.tree_count());
}

} // namespace

std::string model_version_name(std::uint64_t version) {
  return "model-" + std::to_string(version);
}

live_model::live_model(std::unique_ptr<rules_db> store,
                       actors::ruleset_slot& slot,
                       const request_limits& limits)
  : live_versions(std::move(store), limits, model_version_name,
                  "model version"),
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
  if (auto err = cluster ? self->join(*cluster, model_file)
                         : self->start(model_file))
    return err;
  return self;
}

live_model::~live_model() {
  leave_cluster();
}

void live_model::leave_cluster() {
  log_.leave();
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

fraud::error live_model::start(const std::string& model_file) {
  auto c = choose(model_file);
  if (!c)
    return c.error();
  if (c->text.empty()) {
    FRAUD_LOG(info, "model", "no model (--model, fraudctl model set): "
              "model_score is 0");
    return {};
  }
  auto origin = model_file.empty() ? model_version_name(c->version)
                                   : "model file " + model_file;
  auto model = models::parse_score_model(c->text, origin);
  if (!model)
    return make_error(ec::config_error, model.error().what());
  if (auto err = keep_start(*store_, *c, trees_of(**model)))
    return err;
  text_ = std::move(c->text);
  install(c->version, *model);
  log_model(version_, **model,
            model_file.empty() ? "ran last" : "from " + model_file);
  return fraud::error{};
}

void live_model::install(std::uint64_t version,
                         std::shared_ptr<const models::tree_model> model) {
  version_ = version;
  slot_.set_model(
    models::named_model{std::move(model), model_version_name(version)});
}

protocol::rules_change_reply live_model::refused(const fraud::error& why) {
  auto out = running_reply();
  out.errors.push_back(rule_diagnostic{0, 0, why.what()});
  return out;
}

protocol::rules_change_reply
live_model::set(const protocol::rules_set_request& r,
                const std::string& signer, const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (auto err = changes_.load(token_bucket::clock::now()))
    return error_reply(err);
  auto model = models::parse_score_model(r.text, "the model");
  if (!model)
    return refused(model.error());
  if (clustered_ && !r.dry_run) {
    // Whether the text runs already is the log's to say (it may have
    // been set through another instance a moment ago).
    guard.unlock();
    auto id = valid_request_id(request) ? request : random_request_id();
    auto b = log_.bucket();
    if (!b)
      return log_reply(log_, make_error(ec::shutting_down,
                                        "this fraudd has left the cluster "
                                        "(it is stopping)"));
    if (auto err = b->put_text(id, r.text))
      return log_reply(log_, err);
    signature who{r.author, r.reason, wall_ms(), signer};
    auto trees = trees_of(**model);
    bool unchanged = false;
    auto made = log_.publish(id, [&](const bucket_rules& s)
                                   -> std::optional<bucket_rules_change> {
      if (s.running.version != 0 && s.running.version == version_
          && r.text == text_) {
        unchanged = true;
        return std::nullopt;
      }
      bucket_rules_change next;
      next.kind = "set";
      next.version = bucket_version{0, "", trees, who};  // numbered by the
                                                         // fold
      next.activated = who;
      return next;
    });
    std::vector<rule_diagnostic> warnings;
    if (unchanged)
      warnings.push_back(rule_diagnostic{
        0, 0, "this is the running model: nothing changed"});
    return log_reply(log_, std::move(made), std::move(warnings));
  }
  if (r.dry_run || r.text == text_) {
    auto out = running_reply();
    if (!r.dry_run)
      out.warnings.push_back(rule_diagnostic{
        0, 0, "this is the running model: nothing changed"});
    return out;
  }
  auto added = keep_set(r.text, trees_of(**model),
                        signature{r.author, r.reason, wall_ms(), signer});
  if (!added)
    return error_reply(added.error());
  text_ = r.text;
  install(*added, *model);
  log_model(version_, **model, "set by " + signer + ": " + r.reason);
  return running_reply();
}

protocol::rules_change_reply
live_model::rollback(const protocol::rules_rollback_request& r,
                     const std::string& signer, const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto v = rollback_target(r.version, guard, clustered_ ? &log_ : nullptr);
  if (!v)
    return error_reply(v.error());
  if (auto err = changes_.load(token_bucket::clock::now()))
    return error_reply(err);
  // A text an older fraudd accepted may not load here (another feature
  // vector): refused like a new one.
  auto model = models::parse_score_model(v->text,
                                         model_version_name(r.version));
  if (!model)
    return refused(model.error());
  if (clustered_) {
    guard.unlock();
    auto made = log_.publish_rollback(
      request, *v, false, signature{r.author, r.reason, wall_ms(), signer});
    return log_reply(log_, std::move(made));
  }
  if (auto err = store_->activate(r.version, "rollback",
                                 signature{r.author, r.reason, wall_ms(),
                                           signer}))
    return error_reply(err);
  text_ = v->text;
  install(r.version, *model);
  log_model(version_, **model, "rolled back by " + signer + ": " + r.reason);
  return running_reply();
}

} // namespace fraud::service
