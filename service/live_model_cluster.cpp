// live_model in cluster mode: joining the bucket's model log at start,
// applying what the watcher sees, and making changes through the log.
// The why is in live_model.hpp, rules_bucket.hpp and bucket_log.hpp.
#include "service/live_model.hpp"

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

using models::rules::rule_diagnostic;

namespace {

// Requests whose text parts are kept while their change has not come (a
// writer that stopped between the two leaves them behind).
constexpr std::size_t max_pending_texts = 16;

} // namespace

fraud::error live_model::join(const rules_cluster& cluster,
                              const std::string& model_file) {
  auto opened = open_log(cluster, "model");
  if (!opened)
    return opened.error();
  auto& [b, held] = *opened;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    clustered_ = true;
    log_.join(b, cluster.timeout_ms);
    // Every version the cluster ran is kept here, so that history and
    // rollbacks answer as on any other instance.
    for (auto& e : held)
      apply(std::move(e), true);
  }
  if (log_.state().last_version == 0) {
    if (auto err = seed(model_file))
      return err;
  } else if (!model_file.empty()) {
    FRAUD_LOG(warn, "model", "--model {} not run: the cluster's bucket {} "
              "runs {}, and it wins", model_file, b->name(),
              model_version_name(log_.state().running.version));
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto err = run_state())
      return with_context(err, "bucket " + b->name());
  }
  if (auto err = log_.raise_floor(*store_, [this](bucket_entry e) {
        std::lock_guard<std::mutex> guard{mtx_};
        apply(std::move(e));
      }))
    return err;
  FRAUD_LOG(info, "model", "{}, from bucket {}",
            version_ == 0 ? std::string{"no model runs"}
                          : model_version_name(version_) + " running",
            b->name());
  b->follow([this](bucket_entry e) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      apply(std::move(e));
    }
    log_.notify();
  });
  return {};
}

fraud::error live_model::seed(const std::string& model_file) {
  auto c = choose(model_file);
  if (!c)
    return c.error();
  if (c->text.empty())
    return {};  // no model here either: none runs until one is set
  auto model = models::parse_score_model(
    c->text, model_file.empty() ? model_version_name(c->version)
                                : "model file " + model_file);
  if (!model)
    return make_error(ec::config_error, model.error().what());
  auto mine = store_->max_version();
  if (!mine)
    return mine.error();
  bucket_rules_change first;
  first.request = random_request_id();
  first.kind = "start";
  first.version.version = c->version != 0 ? c->version : *mine + 1;
  first.version.rules = static_cast<std::uint32_t>((*model)->tree_count());
  first.version.who = c->who;
  if (c->ran_last)
    if (auto v = store_->version(c->version); v && *v)
      first.version.who = signature{(*v)->author, (*v)->reason,
                                    (*v)->created_at_ms, (*v)->signer};
  first.activated = signature{"fraudd", "seeded the cluster's model",
                              wall_ms(), ""};
  first.floor = *mine;
  auto b = log_.bucket();
  if (!b)
    return make_error(ec::shutting_down, "left the cluster");
  if (auto err = b->put_text(first.request, c->text))
    return err;
  auto w = b->propose(first);
  if (!w)
    return w.error();
  return log_.catch_up(*w, [this](bucket_entry e) {
    std::lock_guard<std::mutex> guard{mtx_};
    apply(std::move(e));
  });
}

void live_model::apply(bucket_entry e, bool replaying) {
  if (auto* p = std::get_if<bucket_text_part>(&e.value)) {
    auto& parts = parts_[p->id];
    parts.resize(p->parts);
    if (p->part < parts.size())
      parts[p->part] = std::move(p->bytes);
    while (parts_.size() > max_pending_texts)
      parts_.erase(parts_.begin());
  } else if (auto* c = std::get_if<bucket_rules_change>(&e.value)) {
    if (auto err = apply_change(*c, e.revision, replaying); err && !replaying)
      FRAUD_LOG(err, "model", "not applied from the bucket: {}", err.what());
    else if (err)
      FRAUD_LOG(warn, "model", "a version of the bucket not kept here: {}",
                err.what());
  }
  log_.applied(e.revision);
}

fraud::expected<std::string>
live_model::text_of(const bucket_rules_change& c) {
  auto& v = log_.state().running;
  if (auto it = parts_.find(c.request);
      it != parts_.end() && (c.kind == "set" || c.kind == "start")) {
    std::string text;
    for (auto& part : it->second) {
      if (part.empty())
        return make_error(ec::store_error, model_version_name(v.version)
                                             + ": a part of its text is "
                                               "missing in the bucket");
      text += part;
    }
    parts_.erase(it);
    return text;
  }
  auto here = store_->version(v.version);
  if (!here)
    return here.error();
  if (!*here)
    return make_error(ec::store_error, model_version_name(v.version)
                                         + ": its text is neither in the "
                                           "bucket nor here");
  return (*here)->text;
}

fraud::error live_model::apply_change(const bucket_rules_change& c,
                                      std::uint64_t revision, bool replaying) {
  auto r = log_.fold_entry(c, revision);
  if (!r.changed)
    return {};
  auto& v = log_.state().running;
  auto text = text_of(c);
  if (!text)
    return text.error();
  auto here = store_->version(v.version);
  if (!here)
    return here.error();
  if (!*here) {
    if (auto err = store_->add_version_as(v.version, *text, v.rules, v.who))
      return err;
  } else if ((*here)->text != *text) {
    return make_error(ec::config_error,
                      model_version_name(v.version) + " in the cluster's "
                      "bucket is not the one in this database, which has a "
                      "history of its own from before it joined: start it "
                      "with a new --db, or start it first so that it seeds "
                      "the bucket");
  }
  if (replaying)
    return {};  // the last one runs once all are read (run_state)
  return run_state();
}

fraud::error live_model::run_state() {
  auto& s = log_.state();
  if (s.running.version == 0)
    return {};  // the log has no model: none runs
  if (auto err = activate_once(*store_, s.running.version, s.kind,
                               s.activated))
    return err;
  auto v = store_->version(s.running.version);
  if (!v)
    return v.error();
  if (!*v)
    return make_error(ec::store_error, model_version_name(s.running.version)
                                         + " is not kept here");
  if (version_ == s.running.version && text_ == (*v)->text)
    return {};
  auto model = models::parse_score_model(
    (*v)->text, model_version_name(s.running.version));
  if (!model)
    return model.error();  // this instance keeps what it ran
  text_ = (*v)->text;
  install(s.running.version, *model);
  FRAUD_LOG_LIMITED(60, info, "model", "{} running ({} by {}, through the "
                    "cluster)", model_version_name(version_), s.kind,
                    s.activated.signer.empty() ? s.activated.author
                                               : s.activated.signer);
  return {};
}

} // namespace fraud::service
