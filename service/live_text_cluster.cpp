// live_text in cluster mode: joining the bucket's log of its kind at
// start, applying what the watcher sees, and making changes through the
// log. The why is in live_text.hpp, rules_bucket.hpp and bucket_log.hpp.
#include "service/live_text.hpp"

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

using models::rules::rule_diagnostic;

namespace {

// Requests whose text parts are kept while their change has not come (a
// writer that stopped between the two leaves them behind).
constexpr std::size_t max_pending_texts = 16;

} // namespace

fraud::error live_text::join(const rules_cluster& cluster,
                              const std::string& file) {
  auto opened = open_log(cluster, kind_);
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
    if (auto err = seed(file))
      return err;
  } else if (!file.empty()) {
    FRAUD_LOG(warn, kind_.c_str(), "{} not run: the cluster's bucket {} "
              "runs {}, and it wins", file, b->name(),
              name_of(log_.state().running.version));
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
  FRAUD_LOG(info, kind_.c_str(), "{}, from bucket {}",
            version_ == 0 ? "no " + kind_ + " runs"
                          : name_of(version_) + " running",
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

fraud::error live_text::seed(const std::string& file) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto c = choose(file);
  if (!c)
    return c.error();
  if (c->text.empty())
    return {};  // nothing here either: none runs until one is set
  auto count = check(c->text, file.empty() ? name_of(c->version) : file);
  if (!count)
    return make_error(ec::config_error, count.error().what());
  auto first = seed_change(*store_, *c, *count, kind_);
  if (!first)
    return first.error();
  guard.unlock();
  auto b = log_.bucket();
  if (!b)
    return make_error(ec::shutting_down, "left the cluster");
  if (auto err = b->put_text(first->request, c->text))
    return err;
  auto w = b->propose(*first);
  if (!w)
    return w.error();
  return log_.catch_up(*w, [this](bucket_entry e) {
    std::lock_guard<std::mutex> guard{mtx_};
    apply(std::move(e));
  });
}

void live_text::apply(bucket_entry e, bool replaying) {
  if (auto* p = std::get_if<bucket_text_part>(&e.value)) {
    auto& parts = parts_[p->id];
    parts.resize(p->parts);
    if (p->part < parts.size())
      parts[p->part] = std::move(p->bytes);
    while (parts_.size() > max_pending_texts)
      parts_.erase(parts_.begin());
  } else if (auto* c = std::get_if<bucket_rules_change>(&e.value)) {
    if (auto err = apply_change(*c, e.revision, replaying); err && !replaying)
      FRAUD_LOG(err, kind_.c_str(), "not applied from the bucket: {}",
                err.what());
    else if (err)
      FRAUD_LOG(warn, kind_.c_str(),
                "a version of the bucket not kept here: {}", err.what());
  }
  log_.applied(e.revision);
}

fraud::expected<std::string>
live_text::text_of(const bucket_rules_change& c) {
  auto& v = log_.state().running;
  if (auto it = parts_.find(c.request);
      it != parts_.end() && (c.kind == "set" || c.kind == "start")) {
    std::string text;
    for (auto& part : it->second) {
      if (part.empty())
        return make_error(ec::store_error, name_of(v.version)
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
    return make_error(ec::store_error, name_of(v.version)
                                         + ": its text is neither in the "
                                           "bucket nor here");
  return (*here)->text;
}

fraud::error live_text::apply_change(const bucket_rules_change& c,
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
                      name_of(v.version) + " in the cluster's "
                      "bucket is not the one in this database, which has a "
                      "history of its own from before it joined: start it "
                      "with a new --db, or start it first so that it seeds "
                      "the bucket");
  }
  if (replaying)
    return {};  // the last one runs once all are read (run_state)
  return run_state();
}

fraud::error live_text::run_state() {
  auto& s = log_.state();
  if (s.running.version == 0)
    return {};  // the log has none: none runs
  if (auto err = activate_once(*store_, s.running.version, s.kind,
                               s.activated))
    return err;
  auto v = store_->version(s.running.version);
  if (!v)
    return v.error();
  if (!*v)
    return make_error(ec::store_error, name_of(s.running.version)
                                         + " is not kept here");
  if (version_ == s.running.version && text_ == (*v)->text)
    return {};
  // A text this instance cannot load (an older fraudd) is refused by run()
  // before anything changes: it keeps what it ran.
  return run(s.running.version, (*v)->text,
             s.kind + " by "
               + (s.activated.signer.empty() ? s.activated.author
                                             : s.activated.signer)
               + ", through the cluster");
}

protocol::rules_change_reply
live_text::set_in_cluster(const protocol::rules_set_request& r,
                          std::uint32_t count, const std::string& signer,
                          const std::string& request) {
  // Whether the text runs already is the log's to say (it may have been
  // set through another instance a moment ago).
  auto id = valid_request_id(request) ? request : random_request_id();
  auto b = log_.bucket();
  if (!b)
    return log_reply(log_, make_error(ec::shutting_down,
                                      "this fraudd has left the cluster "
                                      "(it is stopping)"));
  if (auto err = b->put_text(id, r.text))
    return log_reply(log_, err);
  signature who{r.author, r.reason, wall_ms(), signer};
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
    next.version = bucket_version{0, "", count, who};  // numbered by the
                                                       // fold
    next.activated = who;
    return next;
  });
  std::vector<rule_diagnostic> warnings;
  if (unchanged)
    warnings.push_back(rule_diagnostic{0, 0, unchanged_});
  return log_reply(log_, std::move(made), std::move(warnings));
}

} // namespace fraud::service
