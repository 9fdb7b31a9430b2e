#include "service/live_text.hpp"

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

using models::rules::rule_diagnostic;

live_text::live_text(std::unique_ptr<rules_db> store,
                     const request_limits& limits,
                     std::string (*name)(std::uint64_t), std::string what,
                     std::string kind, std::string running)
  : live_versions(std::move(store), limits, name, std::move(what)),
    kind_(kind), unchanged_(std::move(running) + ": nothing changed"),
    log_(mtx_, std::move(kind)) {
}

live_text::~live_text() {
  leave_cluster();
}

void live_text::leave_cluster() {
  log_.leave();
}

fraud::error live_text::open_with(const std::string& file,
                                  const rules_cluster* cluster) {
  return cluster ? join(*cluster, file) : start(file);
}

fraud::error live_text::start(const std::string& file) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto c = choose(file);
  if (!c)
    return c.error();
  if (c->text.empty())
    return run(0, "", "nothing set");
  auto origin = file.empty() ? name_of(c->version) : file;
  auto count = check(c->text, origin);
  if (!count)
    return make_error(ec::config_error, count.error().what());
  if (auto err = keep_start(*store_, *c, *count))
    return err;
  return run(c->version, c->text, file.empty() ? "ran last" : "from " + file);
}

protocol::rules_change_reply
live_text::set(const protocol::rules_set_request& r, const std::string& signer,
               const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (auto err = admit(r.text.size()))
    return error_reply(err);
  auto count = check(r.text, "");
  if (!count)
    return refused(count.error());
  if (clustered_ && !r.dry_run) {
    guard.unlock();
    return set_in_cluster(r, *count, signer, request);
  }
  if (r.dry_run || (version_ != 0 && r.text == text_)) {
    auto out = running_reply();
    if (!r.dry_run)
      out.warnings.push_back(rule_diagnostic{0, 0, unchanged_});
    return out;
  }
  signature who{r.author, r.reason, wall_ms(), signer};
  auto added = keep_set(r.text, *count, who);
  if (!added)
    return error_reply(added.error());
  if (auto err = run(*added, r.text, "set by " + signer + ": " + r.reason))
    return error_reply(err);
  return running_reply();
}

protocol::rules_change_reply
live_text::rollback(const protocol::rules_rollback_request& r,
                    const std::string& signer, const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto v = rollback_target(r.version, guard, clustered_ ? &log_ : nullptr);
  if (!v)
    return error_reply(v.error());
  if (auto err = admit(v->text.size()))
    return error_reply(err);
  // A text an older fraudd accepted may not load here: refused like a
  // new one.
  if (auto count = check(v->text, name_of(r.version)); !count)
    return refused(count.error());
  signature who{r.author, r.reason, wall_ms(), signer};
  if (clustered_) {
    guard.unlock();
    return log_reply(log_, log_.publish_rollback(request, *v, false, who));
  }
  if (auto err = store_->activate(r.version, "rollback", who))
    return error_reply(err);
  if (auto err = run(r.version, v->text,
                     "rolled back by " + signer + ": " + r.reason))
    return error_reply(err);
  return running_reply();
}

} // namespace fraud::service
