#include "service/bucket_log.hpp"

#include <algorithm>
#include <chrono>

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

namespace {

// A compare-and-set that loses this often in a row means changes arrive
// faster than they can be made: the requester is told, not kept waiting.
constexpr int max_attempts = 8;
// Outcomes remembered for the replies.
constexpr std::size_t max_outcomes = 1024;

} // namespace

fraud::expected<std::pair<std::shared_ptr<rules_bucket>,
                          std::vector<bucket_entry>>>
open_log(const rules_cluster& cluster, const std::string& log) {
  kv_bucket_options o;
  o.name = cluster.bucket;
  o.replicas = cluster.replicas;
  o.timeout_ms = cluster.timeout_ms;
  auto opened = rules_bucket::open(cluster.conn, o, log);
  if (!opened)
    return with_context(opened.error(), "the " + log + " bucket");
  std::shared_ptr<rules_bucket> b = std::move(*opened);
  if (auto err = b->watch())
    return err;
  auto held = b->replay();
  if (!held)
    return held.error();
  return std::pair{std::move(b), std::move(*held)};
}

bucket_log::bucket_log(std::mutex& mtx, std::string what)
  : mtx_(mtx), what_(std::move(what)) {
}

void bucket_log::join(std::shared_ptr<rules_bucket> b, int timeout_ms) {
  bucket_ = std::move(b);
  timeout_ms_ = timeout_ms;
}

void bucket_log::leave() {
  std::shared_ptr<rules_bucket> b;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    b = std::move(bucket_);
  }
  applied_cv_.notify_all();  // a change waiting for its entry gives up
  if (b)
    b->stop();  // not under the lock: the watcher may be waiting for it
}

std::shared_ptr<rules_bucket> bucket_log::bucket() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return bucket_;
}

fold_result bucket_log::fold_entry(const bucket_rules_change& c,
                                   std::uint64_t revision) {
  auto r = fold(state_, c);
  outcomes_[revision] = r.version;
  while (outcomes_.size() > max_outcomes)
    outcomes_.erase(outcomes_.begin());
  return r;
}

void bucket_log::applied(std::uint64_t revision) {
  applied_revision_ = std::max(applied_revision_, revision);
}

fraud::error
bucket_log::catch_up(std::uint64_t revision,
                     const std::function<void(bucket_entry)>& apply) {
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(timeout_ms_);
  for (;;) {
    std::shared_ptr<rules_bucket> b;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (!bucket_ || applied_revision_ >= revision)
        return {};
      b = bucket_;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(ec::timeout, "bucket " + b->name() + ": revision "
                                       + std::to_string(revision)
                                       + " not seen by its watcher");
    auto e = b->poll(200);
    if (!e)
      return e.error();
    if (*e)
      apply(std::move(**e));
  }
}

fraud::error
bucket_log::raise_floor(rules_db& store,
                        const std::function<void(bucket_entry)>& apply) {
  auto mine = store.max_version();
  if (!mine)
    return mine.error();
  bucket_rules_change raise;
  std::shared_ptr<rules_bucket> b;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (*mine <= state_.last_version || !bucket_)
      return {};
    raise.base = state_.last_version;
    b = bucket_;
  }
  raise.request = random_request_id();
  raise.kind = "floor";
  raise.floor = *mine;
  auto w = b->propose(raise);
  if (!w)
    return w.error();
  return catch_up(*w, apply);
}

bool bucket_log::wait_applied(std::unique_lock<std::mutex>& guard,
                              std::uint64_t revision) {
  return wait_until(guard, [&] { return applied_revision_ >= revision; });
}

bool bucket_log::wait_until(std::unique_lock<std::mutex>& guard,
                            const std::function<bool()>& done) {
  applied_cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms_),
                       [&] { return done() || !bucket_; });
  return done();
}

fraud::expected<std::pair<std::uint64_t, std::uint64_t>>
bucket_log::publish(const std::string& request, const change& make) {
  auto id = valid_request_id(request) ? request : random_request_id();
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::unique_lock<std::mutex> guard{mtx_};
    auto b = bucket_;
    if (!b)
      return make_error(ec::shutting_down,
                        "this fraudd has left the cluster (it is stopping)");
    if (auto made = state_.made_by(id))
      return std::pair{made, applied_revision_};  // through another instance
    auto next = make(state_);
    if (!next)
      return std::pair{state_.running.version, applied_revision_};
    next->request = id;
    next->base = state_.last_version;
    guard.unlock();
    auto written = b->propose(*next);
    if (!written)
      return written.error();
    guard.lock();
    if (!wait_applied(guard, *written))
      return make_error(ec::timeout,
                        "the change is in the cluster's bucket, and not yet "
                        "seen by this instance: ask fraud." + what_ + ".get");
    if (auto v = outcome(*written))
      return std::pair{v, *written};
    // Another change came first: this one goes on top of it.
    FRAUD_LOG(info, what_.c_str(), "another change came first in bucket {}; "
              "trying again on top of it", b->name());
  }
  return make_error(ec::timeout,
                    "the cluster's " + what_ + " changed "
                      + std::to_string(max_attempts)
                      + " times while this change was being made: try again");
}

fraud::expected<std::pair<std::uint64_t, std::uint64_t>>
bucket_log::publish_rollback(const std::string& request,
                             const stored_version& v, bool with_text,
                             const signature& who) {
  bucket_version old{v.version, with_text ? v.text : std::string{}, v.rules,
                     signature{v.author, v.reason, v.created_at_ms,
                               v.signer}};
  return publish(request, [&](const bucket_rules&) {
    bucket_rules_change next;
    next.kind = "rollback";
    next.version = old;
    next.activated = who;
    return std::optional<bucket_rules_change>{next};
  });
}

fraud::expected<bucket_rules_change>
seed_change(rules_db& store, const start_choice& c, std::uint32_t count,
            const std::string& what) {
  auto mine = store.max_version();
  if (!mine)
    return mine.error();
  bucket_rules_change first;
  first.request = random_request_id();
  first.kind = "start";
  first.version.version = c.version != 0 ? c.version : *mine + 1;
  first.version.rules = count;
  first.version.who = c.who;
  if (c.ran_last)
    if (auto v = store.version(c.version); v && *v)
      first.version.who = signature{(*v)->author, (*v)->reason,
                                    (*v)->created_at_ms, (*v)->signer};
  first.activated = signature{"fraudd", "seeded the cluster's " + what,
                              wall_ms(), ""};
  first.floor = *mine;
  return first;
}

} // namespace fraud::service
