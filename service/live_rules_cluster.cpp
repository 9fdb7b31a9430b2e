// live_rules in cluster mode: joining the bucket at start, applying what
// the watcher sees, and making changes through the bucket. The why is in
// live_rules.hpp and rules_bucket.hpp.
#include "service/live_rules.hpp"

#include <chrono>
#include <set>
#include <thread>
#include <tuple>

#include "actors/runtime/log.hpp"
#include "models/rules/rule_cost.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

namespace {

using models::rules::compiled_ruleset;
using models::rules::named_lists;
using models::rules::rule_diagnostic;

// A compare-and-set that loses this often in a row means changes arrive
// faster than they can be made: the requester is told, not kept waiting.
constexpr int max_attempts = 8;
// Request ids whose list changes are remembered for their replies.
constexpr std::size_t max_changes_remembered = 1024;

signature stored_signature(const stored_version& v) {
  return signature{v.author, v.reason, v.created_at_ms, v.signer};
}

// A signature as a key, to group values changed by the same hand.
auto key_of(const signature& s) {
  return std::make_tuple(s.author, s.reason, s.at_ms, s.signer);
}

} // namespace

std::shared_ptr<rules_bucket> live_rules::bucket() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return bucket_;
}

std::uint64_t live_rules::bucket_applied() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return applied_revision_;
}

void live_rules::leave_cluster() {
  std::shared_ptr<rules_bucket> b;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    b = std::move(bucket_);
  }
  applied_.notify_all();  // a change waiting for its entry gives up
  if (b)
    b->stop();  // not under the lock: the watcher may be waiting for it
}

fraud::error live_rules::join(const rules_cluster& cluster,
                              const std::string& rules_file) {
  auto lists = store_->lists();
  if (!lists)
    return lists.error();
  lists_ = std::make_shared<named_lists>(std::move(*lists));
  kv_bucket_options o;
  o.name = cluster.bucket;
  o.replicas = cluster.replicas;
  o.timeout_ms = cluster.timeout_ms;
  auto opened = rules_bucket::open(cluster.conn, o);
  if (!opened)
    return with_context(opened.error(), "the rules bucket");
  std::shared_ptr<rules_bucket> b = std::move(*opened);
  if (auto err = b->watch())
    return err;
  auto held = b->replay();
  if (!held)
    return held.error();
  std::unique_lock<std::mutex> guard{mtx_};
  clustered_ = true;
  timeout_ms_ = cluster.timeout_ms;
  bucket_ = b;
  // Every version the cluster ran is kept here, so that history and
  // rollbacks answer as on any other instance.
  for (auto& e : *held) {
    if (auto* c = std::get_if<bucket_rules_change>(&e.value)) {
      auto r = fold(state_, *c);
      if (r.changed)
        if (auto err = keep_locally(state_.running))
          return with_context(err, "bucket " + b->name());
    }
    applied_revision_ = std::max(applied_revision_, e.revision);
  }
  bool seeded = false;
  if (state_.last_version == 0) {
    guard.unlock();  // catch_up() applies under the lock
    if (auto err = seed(rules_file, seeded))
      return err;
    guard.lock();
  } else if (!rules_file.empty()) {
    FRAUD_LOG(warn, "rules", "--rules {} not run: the cluster's bucket {} "
              "runs {}, and it wins", rules_file, b->name(),
              version_name(state_.running.version));
  }
  if (!rules_) {  // catch_up() may have run it
    if (auto err = apply_rules(state_))
      return with_context(err, "bucket " + b->name());
  }
  // Numbers this database gave out before it joined are not given again
  // (best effort: a change that races it wins, and the next start tries).
  auto mine = store_->max_version();
  if (!mine)
    return mine.error();
  if (*mine > state_.last_version) {
    bucket_rules_change raise;
    raise.request = random_request_id();
    raise.base = state_.last_version;
    raise.kind = "floor";
    raise.floor = *mine;
    guard.unlock();
    auto w = b->propose(raise);
    if (!w)
      return w.error();
    if (auto err = catch_up(*w))
      return err;
    guard.lock();
  }
  if (auto err = seeded ? seed_lists() : match_lists(*held))
    return err;
  log_running(", from bucket " + b->name(), {});
  b->follow([this](bucket_entry e) { apply(std::move(e)); });
  return {};
}

fraud::error live_rules::seed(const std::string& rules_file, bool& seeded) {
  auto c = choose(rules_file);
  if (!c)
    return c.error();
  auto compiled = models::rules::compile(c->text);
  if (!compiled.program)
    return make_error(ec::config_error,
                      (rules_file.empty() ? version_name(c->version)
                                          : rules_file)
                        + " does not compile:"
                        + describe_errors(compiled.errors));
  auto mine = store_->max_version();
  if (!mine)
    return mine.error();
  bucket_rules_change first;
  first.request = random_request_id();
  first.kind = "start";
  first.version.version = c->version != 0 ? c->version : *mine + 1;
  first.version.text = c->text;
  first.version.rules =
    static_cast<std::uint32_t>(compiled.program->rules.size());
  first.version.who = c->who;
  if (c->ran_last)
    if (auto v = store_->version(c->version); v && *v)
      first.version.who = stored_signature(**v);
  if (auto err = affordable(compiled_ruleset{compiled.program, lists_, ""}))
    return with_context(err, rules_file.empty()
                               ? version_name(first.version.version)
                               : rules_file);
  first.activated = signature{"fraudd", "seeded the cluster's rules",
                              wall_ms(), ""};
  first.floor = *mine;
  auto w = bucket_->propose(first);
  if (!w)
    return w.error();
  if (auto err = catch_up(*w))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  // Two instances may seed at once: the first entry wins on both.
  seeded = outcomes_[*w] != 0 && state_.made_by(first.request) != 0;
  if (seeded)
    FRAUD_LOG(info, "rules", "seeded bucket {} with {}", bucket_->name(),
              version_name(first.version.version));
  return {};
}

fraud::error live_rules::catch_up(std::uint64_t revision) {
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(timeout_ms_);
  auto b = bucket();
  while (b && bucket_applied() < revision) {
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
  return {};
}

fraud::error live_rules::keep_locally(const bucket_version& v) {
  auto here = store_->version(v.version);
  if (!here)
    return here.error();
  if (!*here)
    return store_->add_version_as(v.version, v.text, v.rules, v.who);
  if ((*here)->text != v.text)
    return make_error(ec::config_error,
                      version_name(v.version) + " in the cluster's bucket is "
                      "not " + version_name(v.version) + " in this database, "
                      "which has a history of its own from before it joined: "
                      "start it with a new --db, or start it first so that "
                      "it seeds the bucket");
  return {};
}

fraud::error live_rules::apply_rules(const bucket_rules& c) {
  auto& v = c.running;
  if (auto err = keep_locally(v))
    return err;
  auto last = store_->last_activation();
  if (!last)
    return last.error();
  bool recorded = *last && (*last)->version == v.version
                  && (*last)->activated_at_ms == c.activated.at_ms
                  && (*last)->kind == c.kind;
  if (!recorded)
    if (auto err = store_->activate(v.version, c.kind, c.activated))
      return err;
  if (rules_ && version_ == v.version && rules_->program()->text == v.text)
    return {};
  auto compiled = models::rules::compile(v.text);
  if (!compiled.program)
    return make_error(ec::config_error, version_name(v.version)
                                          + " does not compile here:"
                                          + describe_errors(compiled.errors));
  // The instance that took the change measured it; a slower one runs it
  // too (every instance runs the same version), and says so.
  if (auto err = affordable(compiled_ruleset{compiled.program, lists_, ""}))
    FRAUD_LOG(warn, "rules", "{} runs over budget here: {}",
              version_name(v.version), err.what());
  install(v.version, std::move(compiled.program));
  return {};
}

void live_rules::apply_rules_change(const bucket_rules_change& c,
                                    std::uint64_t rev) {
  auto before = version_;
  auto r = fold(state_, c);
  outcomes_[rev] = r.version;
  while (outcomes_.size() > max_changes_remembered)
    outcomes_.erase(outcomes_.begin());
  if (!r.changed)
    return;
  if (auto err = apply_rules(state_)) {
    FRAUD_LOG(err, "rules", "not applied from the bucket: {}", err.what());
    return;
  }
  if (before != version_)
    FRAUD_LOG(info, "rules", "{} running ({} by {}, through the cluster)",
              version_name(version_), state_.kind,
              state_.activated.signer.empty() ? state_.activated.author
                                              : state_.activated.signer);
}

void live_rules::apply(bucket_entry e) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto* c = std::get_if<bucket_rules_change>(&e.value))
      apply_rules_change(*c, e.revision);
    else if (auto* l = std::get_if<bucket_list_change>(&e.value))
      apply_list_change(*l);
    applied_revision_ = std::max(applied_revision_, e.revision);
  }
  applied_.notify_all();
}

void live_rules::apply_list_change(const bucket_list_change& c) {
  auto changed = store_->change_list(c.list, c.values, c.add, c.who);
  if (!changed)
    FRAUD_LOG_LIMITED(6, err, "rules", "list {} not kept here: {}", c.list,
                      changed.error().what());
  change_in_memory(c.list, c.values, c.add);
  auto [it, fresh] = changes_applied_.try_emplace(c.id);
  if (fresh) {
    changes_order_.push_back(c.id);
    if (changes_order_.size() > max_changes_remembered) {
      changes_applied_.erase(changes_order_.front());
      changes_order_.pop_front();
    }
  }
  it->second.parts = c.parts;
  it->second.seen += 1;
  it->second.changed += changed ? *changed : 0;
}

fraud::error live_rules::match_lists(const std::vector<bucket_entry>& log) {
  // The bucket's lists: its log folded in order. The first to add a value
  // is who added it, as SQLite keeps it.
  std::map<std::string, std::map<std::string, signature>> target;
  for (auto& e : log) {
    auto* c = std::get_if<bucket_list_change>(&e.value);
    if (c == nullptr)
      continue;
    auto& list = target[c->list];
    for (auto& v : c->values)
      if (c->add)
        list.try_emplace(v, c->who);
      else
        list.erase(v);
  }
  auto local = store_->lists();
  if (!local)
    return local.error();
  using group = std::pair<std::string, decltype(key_of(signature{}))>;
  std::map<group, std::pair<signature, std::vector<std::string>>> adds;
  std::map<std::string, std::vector<std::string>> removes;
  for (auto& [name, values] : target) {
    std::set<std::string> here;
    if (auto it = local->find(name); it != local->end())
      here.insert(it->second.begin(), it->second.end());
    for (auto& [value, who] : values)
      if (here.count(value) == 0) {
        auto& g = adds[group{name, key_of(who)}];
        g.first = who;
        g.second.push_back(value);
      }
  }
  for (auto& [name, values] : *local)
    for (auto& v : values)
      if (target[name].count(v) == 0)
        removes[name].push_back(v);
  std::size_t added = 0, removed = 0;
  for (auto& [g, change] : adds) {
    auto n = store_->change_list(g.first, change.second, true, change.first);
    if (!n)
      return n.error();
    added += *n;
  }
  signature us{"fraudd", "not in the cluster's lists (bucket "
                           + bucket_->name() + ")", wall_ms(), ""};
  for (auto& [name, values] : removes) {
    auto n = store_->change_list(name, values, false, us);
    if (!n)
      return n.error();
    removed += *n;
  }
  if (added + removed > 0)
    FRAUD_LOG(info, "rules", "lists: {} value(s) added and {} removed here, "
              "as bucket {} holds them", added, removed, bucket_->name());
  auto lists = store_->lists();
  if (!lists)
    return lists.error();
  rebind_lists(named_lists{std::move(*lists)});
  return {};
}

fraud::error live_rules::seed_lists() {
  // Each run of entries added by the same hand is one change, so that
  // the bucket keeps who added what.
  std::size_t values = 0;
  fraud::error result;
  lists_->each([&](const std::string& name, const auto&) {
    std::string cursor;
    std::optional<bucket_list_change> run;
    auto flush = [&] {
      if (!run || result)
        return;
      for (auto& part : split(*run)) {
        auto w = bucket_->append(part);
        if (!w && !result)
          result = w.error();
      }
      values += run->values.size();
      run.reset();
    };
    do {
      auto page = store_->list_entries(name, cursor, 10'000, 0);
      if (!page) {
        result = page.error();
        return;
      }
      for (auto& e : page->entries) {
        signature who{e.author, e.reason, e.added_at_ms, e.signer};
        if (run && key_of(run->who) != key_of(who))
          flush();
        if (!run)
          run = bucket_list_change{random_request_id(), 0, 1, name, true,
                                   {}, who};
        run->values.push_back(e.value);
      }
      cursor = page->next_cursor;
    } while (!cursor.empty());
    flush();
  });
  if (result)
    return with_context(result, "seeding the lists of bucket "
                                  + bucket_->name());
  if (values > 0)
    FRAUD_LOG(info, "rules", "seeded bucket {} with {} list value(s)",
              bucket_->name(), values);
  return {};
}

fraud::expected<std::pair<std::uint64_t, std::uint64_t>>
live_rules::publish(const std::string& request, const rules_change& change) {
  auto id = valid_request_id(request) ? request : random_request_id();
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::unique_lock<std::mutex> guard{mtx_};
    auto b = bucket_;
    if (!b)
      return make_error(ec::shutting_down,
                        "this fraudd has left the cluster (it is stopping)");
    if (auto made = state_.made_by(id))
      return std::pair{made, applied_revision_};  // through another instance
    auto next = change(state_);
    if (!next)
      return std::pair{state_.running.version, applied_revision_};
    next->request = id;
    next->base = state_.last_version;
    guard.unlock();
    auto written = b->propose(*next);
    if (!written)
      return written.error();
    guard.lock();
    if (!applied_.wait_for(guard, std::chrono::milliseconds(timeout_ms_),
                           [&] {
                             return applied_revision_ >= *written || !bucket_;
                           })
        || applied_revision_ < *written)
      return make_error(ec::timeout,
                        "the change is in the cluster's bucket, and not yet "
                        "seen by this instance: ask fraud.rules.get");
    if (auto v = outcomes_[*written])
      return std::pair{v, *written};
    // Another change came first: this one goes on top of it.
    FRAUD_LOG(info, "rules", "another change came first in bucket {}; "
              "trying again on top of it", b->name());
  }
  return make_error(ec::timeout,
                    "the cluster's rules changed " + std::to_string(max_attempts)
                      + " times while this change was being made: try again");
}

protocol::rules_change_reply live_rules::publish_rules_reply(
  fraud::expected<std::pair<std::uint64_t, std::uint64_t>> made,
  std::vector<rule_diagnostic> warnings) {
  std::unique_lock<std::mutex> guard{mtx_};
  protocol::rules_change_reply out;
  if (!made) {
    out = running_reply();
    out.error = made.error();
    out.warnings = std::move(warnings);
    return out;
  }
  out.warnings = std::move(warnings);
  auto [version, revision] = *made;
  bool here = applied_.wait_for(
    guard, std::chrono::milliseconds(timeout_ms_),
    [&] { return applied_revision_ >= revision || !bucket_; });
  here = here && applied_revision_ >= revision;
  auto v = store_->version(version);
  if (!v)
    out.error = v.error();
  else if (*v)
    out.version = info(**v);
  if (!here)
    out.warnings.push_back(rule_diagnostic{
      0, 0, version_name(version) + " is in the cluster's bucket, and not "
              "yet applied by this instance"});
  else if (version_ != version)
    out.warnings.push_back(rule_diagnostic{
      0, 0, version_name(version_) + " was made since, through the cluster, "
              "and runs now"});
  return out;
}

protocol::list_change_reply
live_rules::publish_list_change(const bucket_list_change& whole) {
  protocol::list_change_reply out;
  auto b = bucket();
  if (!b) {
    out.error = make_error(ec::shutting_down,
                           "this fraudd has left the cluster (it is stopping)");
    return out;
  }
  auto parts = split(whole);
  for (auto& part : parts) {
    auto w = b->append(part);
    if (w)
      continue;
    if (kv_taken(w.error()) && part.part == 0)
      break;  // the same request, through another instance: its entries
    out.error = with_context(
      w.error(), "part " + std::to_string(part.part + 1) + " of "
                   + std::to_string(parts.size()) + " of the change");
    return out;
  }
  std::unique_lock<std::mutex> guard{mtx_};
  auto done = [&] {
    auto it = changes_applied_.find(whole.id);
    return it != changes_applied_.end() && it->second.seen >= it->second.parts;
  };
  if (!applied_.wait_for(guard, std::chrono::milliseconds(timeout_ms_),
                         [&] { return done() || !bucket_; })
      || !done()) {
    out.error = make_error(ec::timeout, "the change is in the cluster's "
                                        "bucket, and not yet applied by "
                                        "this instance");
  } else {
    out.changed = changes_applied_[whole.id].changed;
  }
  auto* now = lists_->find(whole.list);
  out.size = now == nullptr ? 0 : now->size();
  return out;
}

} // namespace fraud::service
