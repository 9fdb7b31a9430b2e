// live_rules in cluster mode: joining the bucket at start, applying what
// the watcher sees, and making changes through the bucket. The why is in
// live_rules.hpp and rules_bucket.hpp.
#include "service/live_rules.hpp"

#include <set>
#include <tuple>

#include "actors/runtime/log.hpp"
#include "models/rules/rule_cost.hpp"
#include "service/client/clock.hpp"

namespace fraud::service {

namespace {

using models::rules::compiled_ruleset;
using models::rules::named_lists;
using models::rules::rule_diagnostic;

// Request ids whose list changes are remembered for their replies.
constexpr std::size_t max_changes_remembered = 1024;

// A signature as a key, to group values changed by the same hand.
auto key_of(const signature& s) {
  return std::make_tuple(s.author, s.reason, s.at_ms, s.signer);
}

} // namespace

void live_rules::leave_cluster() {
  log_.leave();
}

fraud::error live_rules::join(const rules_cluster& cluster,
                              const std::string& rules_file) {
  auto lists = store_->lists();
  if (!lists)
    return lists.error();
  lists_ = std::make_shared<named_lists>(std::move(*lists));
  auto opened = open_log(cluster, "rules");
  if (!opened)
    return opened.error();
  auto b = opened->first;
  auto* held = &opened->second;
  std::unique_lock<std::mutex> guard{mtx_};
  clustered_ = true;
  log_.join(b, cluster.timeout_ms);
  // Every version the cluster ran is kept here, so that history and
  // rollbacks answer as on any other instance.
  for (auto& e : *held) {
    if (auto* c = std::get_if<bucket_rules_change>(&e.value)) {
      auto r = log_.fold_entry(*c, e.revision);
      if (r.changed)
        if (auto err = keep_locally(log_.state().running))
          return with_context(err, "bucket " + b->name());
    }
    log_.applied(e.revision);
  }
  bool seeded = false;
  if (log_.state().last_version == 0) {
    guard.unlock();  // catch_up() applies under the lock
    if (auto err = seed(rules_file, seeded))
      return err;
    guard.lock();
  } else if (!rules_file.empty()) {
    FRAUD_LOG(warn, "rules", "--rules {} not run: the cluster's bucket {} "
              "runs {}, and it wins", rules_file, b->name(),
              version_name(log_.state().running.version));
  }
  if (!rules_) {  // catch_up() may have run it
    if (auto err = apply_rules(log_.state()))
      return with_context(err, "bucket " + b->name());
  }
  guard.unlock();
  if (auto err = log_.raise_floor(*store_, [this](bucket_entry e) {
        apply(std::move(e));
      }))
    return err;
  guard.lock();
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
  auto seeded_as = seed_change(
    *store_, *c, static_cast<std::uint32_t>(compiled.program->rules.size()),
    "rules");
  if (!seeded_as)
    return seeded_as.error();
  auto& first = *seeded_as;
  first.version.text = c->text;
  if (auto err = affordable(compiled_ruleset{compiled.program, lists_, ""}))
    return with_context(err, rules_file.empty()
                               ? version_name(first.version.version)
                               : rules_file);
  auto b = log_.bucket();
  if (!b)
    return make_error(ec::shutting_down, "left the cluster");
  auto w = b->propose(first);
  if (!w)
    return w.error();
  if (auto err = catch_up(*w))
    return err;
  std::lock_guard<std::mutex> guard{mtx_};
  // Two instances may seed at once: the first entry wins on both.
  seeded = log_.outcome(*w) != 0 && log_.state().made_by(first.request) != 0;
  if (seeded)
    FRAUD_LOG(info, "rules", "seeded bucket {} with {}", b->name(),
              version_name(first.version.version));
  return {};
}

fraud::error live_rules::catch_up(std::uint64_t revision) {
  return log_.catch_up(revision, [this](bucket_entry e) { apply(std::move(e)); });
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
  if (auto err = activate_once(*store_, v.version, c.kind, c.activated))
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
  auto r = log_.fold_entry(c, rev);
  if (!r.changed)
    return;
  auto& state = log_.state();
  if (auto err = apply_rules(state)) {
    FRAUD_LOG(err, "rules", "not applied from the bucket: {}", err.what());
    return;
  }
  if (before != version_)
    FRAUD_LOG(info, "rules", "{} running ({} by {}, through the cluster)",
              version_name(version_), state.kind,
              state.activated.signer.empty() ? state.activated.author
                                             : state.activated.signer);
}

void live_rules::apply(bucket_entry e) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto* c = std::get_if<bucket_rules_change>(&e.value))
      apply_rules_change(*c, e.revision);
    else if (auto* l = std::get_if<bucket_list_change>(&e.value))
      apply_list_change(*l);
    log_.applied(e.revision);
  }
  log_.notify();
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
                           + log_.held()->name() + ")", wall_ms(), ""};
  for (auto& [name, values] : removes) {
    auto n = store_->change_list(name, values, false, us);
    if (!n)
      return n.error();
    removed += *n;
  }
  if (added + removed > 0)
    FRAUD_LOG(info, "rules", "lists: {} value(s) added and {} removed here, "
              "as bucket {} holds them", added, removed, log_.held()->name());
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
        auto w = log_.held()->append(part);
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
                                  + log_.held()->name());
  if (values > 0)
    FRAUD_LOG(info, "rules", "seeded bucket {} with {} list value(s)",
              log_.held()->name(), values);
  return {};
}

protocol::list_change_reply
live_rules::publish_list_change(const bucket_list_change& whole) {
  protocol::list_change_reply out;
  auto b = log_.bucket();
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
  if (!log_.wait_until(guard, done)) {
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
