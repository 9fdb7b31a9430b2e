#include "service/live_rules.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "actors/runtime/log.hpp"
#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "models/rules/rule_cost.hpp"

namespace fraud::service {

namespace {

using models::rules::compile_result;
using models::rules::compiled_ruleset;
using models::rules::named_lists;
using models::rules::rule_diagnostic;

// Warnings the compiler cannot give: lists the rules name without entries
// (a misspelt list name would match nothing).
void warn_empty_lists(const compiled_ruleset& rules,
                      std::vector<rule_diagnostic>& warnings) {
  for (auto& name : rules.empty_lists())
    warnings.push_back(rule_diagnostic{
      0, 0, "list '" + name + "' has no entries yet: 'in list " + name
              + "' is false for every transaction until it has"});
}

} // namespace

std::string version_name(std::uint64_t version) {
  return "rules-" + std::to_string(version);
}

std::string live_rules::describe_errors(
  const std::vector<rule_diagnostic>& errors) {
  // "line 3, column 14: ..." for each error, one per line.
  std::string out;
  for (auto& e : errors)
    out += "\n  " + models::rules::to_string(e);
  return out;
}

live_rules::live_rules(std::unique_ptr<rules_db> store,
                       actors::ruleset_slot& slot, double budget_us,
                       const request_limits& limits)
  : live_versions(std::move(store), limits, version_name, "rule version"),
    slot_(slot), budget_us_(budget_us), limits_(limits) {
}

fraud::expected<std::unique_ptr<live_rules>>
live_rules::open(const std::string& db_path, const std::string& rules_file,
                 actors::ruleset_slot& slot, double budget_us,
                 const request_limits& limits, const rules_cluster* cluster) {
  auto store = rules_db::open(db_path);
  if (!store)
    return store.error();
  std::unique_ptr<live_rules> self{
    new live_rules(std::move(*store), slot, budget_us, limits)};
  if (auto err = cluster ? self->join(*cluster, rules_file)
                         : self->start(rules_file))
    return err;
  return self;
}

live_rules::~live_rules() {
  leave_cluster();
}

fraud::expected<start_choice>
live_rules::choose(const std::string& rules_file) {
  return choose_start(*store_, rules_file, "--rules",
                      models::rules::default_rules_text(),
                      "the built-in default ruleset", "rule version");
}

fraud::error live_rules::start(const std::string& rules_file) {
  auto lists = store_->lists();
  if (!lists)
    return lists.error();
  lists_ = std::make_shared<named_lists>(std::move(*lists));
  auto c = choose(rules_file);
  if (!c)
    return c.error();
  auto compiled = models::rules::compile(c->text);
  if (!compiled.program)
    return make_error(ec::config_error,
                      (rules_file.empty() ? version_name(c->version)
                                          : rules_file)
                        + " does not compile:" + describe_errors(compiled.errors));
  if (auto err = keep_start(
        *store_, *c,
        static_cast<std::uint32_t>(compiled.program->rules.size())))
    return err;
  if (auto err = affordable(compiled_ruleset{compiled.program, lists_, ""}))
    return with_context(err, rules_file.empty() ? version_name(c->version)
                                                : rules_file);
  install(c->version, std::move(compiled.program));
  log_running(rules_file.empty() ? "" : ", from " + rules_file,
              std::move(compiled.warnings));
  return fraud::error{};
}

void live_rules::log_running(const std::string& from,
                             std::vector<rule_diagnostic> warnings) {
  FRAUD_LOG(info, "rules", "{} running ({} rules{})", version_name(version_),
            rules_->program()->rules.size(), from);
  warn_empty_lists(*rules_, warnings);
  for (auto& w : warnings)
    FRAUD_LOG(warn, "rules", "{}: {}", version_name(version_),
              w.line > 0 ? models::rules::to_string(w) : w.message);
}

fraud::error live_rules::affordable(const models::ruleset& candidate) const {
  auto us = models::rules::measure_cost_ns(candidate) / 1000.0;
  if (us <= budget_us_)
    return {};
  char text[160];
  std::snprintf(text, sizeof text,
                "scoring with these rules costs %.1f us a transaction on "
                "sample traffic, over the budget of %.1f us "
                "(--rules-budget-us)",
                us, budget_us_);
  return fraud::error::in_field(ec::bad_request, "text", text);
}

void live_rules::install(std::uint64_t version,
                         std::shared_ptr<const models::rules::rule_program> p) {
  rules_ = std::make_shared<compiled_ruleset>(std::move(p), lists_,
                                              version_name(version));
  version_ = version;
  slot_.set(rules_);
}

void live_rules::change_in_memory(const std::string& list,
                                  const std::vector<std::string>& values,
                                  bool add) {
  auto* current = lists_->find(list);
  auto entries = current == nullptr ? models::rules::list_entries{}
                                    : *current;
  if (add) {
    // Merged in order, so that the new snapshot need not sort the list.
    auto fresh = values;
    std::sort(fresh.begin(), fresh.end());
    models::rules::list_entries merged;
    merged.reserve(entries.size() + fresh.size());
    std::merge(std::make_move_iterator(entries.begin()),
               std::make_move_iterator(entries.end()),
               std::make_move_iterator(fresh.begin()),
               std::make_move_iterator(fresh.end()),
               std::back_inserter(merged));
    entries = std::move(merged);
  } else {
    // Sorted once, so that removing k values from n costs n log k, not n k.
    auto gone = values;
    std::sort(gone.begin(), gone.end());
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const std::string& e) {
                                   return models::rules::contains(gone, e);
                                 }),
                  entries.end());
  }
  rebind_lists(lists_->with(list, std::move(entries)));
}

void live_rules::rebind_lists(named_lists lists) {
  lists_ = std::make_shared<named_lists>(std::move(lists));
  rules_ = std::make_shared<compiled_ruleset>(rules_->program(), lists_,
                                              rules_->version());
  slot_.set(rules_);
}

protocol::rules_change_reply
live_rules::set(const protocol::rules_set_request& r,
                const std::string& signer, const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  if (auto err = changes_.set(r.text.size(), token_bucket::clock::now()))
    return error_reply(err);
  auto compiled = models::rules::compile(r.text);
  if (!compiled.program) {
    auto out = running_reply();
    out.errors = std::move(compiled.errors);
    return out;
  }
  compiled_ruleset candidate{compiled.program, lists_, ""};
  warn_empty_lists(candidate, compiled.warnings);
  if (auto err = affordable(candidate)) {
    auto out = running_reply();
    out.error = err;
    out.warnings = std::move(compiled.warnings);
    return out;
  }
  if (clustered_ && !r.dry_run) {
    // Whether the text runs already is the bucket's to say (it may have
    // been set through another instance a moment ago).
    guard.unlock();
    auto rules = static_cast<std::uint32_t>(compiled.program->rules.size());
    signature who{r.author, r.reason, wall_ms(), signer};
    bool unchanged = false;
    auto made = log_.publish(request, [&](const bucket_rules& c)
                                   -> std::optional<bucket_rules_change> {
      if (c.running.text == r.text) {
        unchanged = true;
        return std::nullopt;
      }
      bucket_rules_change next;
      next.kind = "set";
      next.version = bucket_version{0, r.text, rules, who};  // numbered by
                                                             // the fold
      next.activated = who;
      return next;
    });
    if (unchanged)
      compiled.warnings.push_back(rule_diagnostic{
        0, 0, "this is the running version's text: nothing changed"});
    return log_reply(log_, std::move(made), std::move(compiled.warnings));
  }
  if (r.dry_run || r.text == rules_->program()->text) {
    auto out = running_reply();
    out.warnings = std::move(compiled.warnings);
    if (!r.dry_run)
      out.warnings.push_back(rule_diagnostic{
        0, 0, "this is the running version's text: nothing changed"});
    return out;
  }
  auto added = keep_set(
    r.text, static_cast<std::uint32_t>(compiled.program->rules.size()),
    signature{r.author, r.reason, wall_ms(), signer});
  if (added)
    install(*added, compiled.program);
  auto out = added ? running_reply() : error_reply(added.error());
  out.warnings = std::move(compiled.warnings);
  return out;
}

protocol::rules_change_reply
live_rules::rollback(const protocol::rules_rollback_request& r,
                     const std::string& signer, const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto v = rollback_target(r.version, guard, clustered_ ? &log_ : nullptr);
  if (!v)
    return error_reply(v.error());
  if (auto err = changes_.rollback(token_bucket::clock::now()))
    return error_reply(err);
  auto compiled = models::rules::compile(v->text);
  if (!compiled.program) {  // a text an older fraudd accepted
    auto out = running_reply();
    out.errors = std::move(compiled.errors);
    return out;
  }
  if (auto err = affordable(compiled_ruleset{compiled.program, lists_, ""}))
    return error_reply(err);
  if (clustered_) {
    guard.unlock();
    auto made = log_.publish_rollback(
      request, *v, true, signature{r.author, r.reason, wall_ms(), signer});
    return log_reply(log_, std::move(made));
  }
  if (auto err = store_->activate(r.version, "rollback",
                                 signature{r.author, r.reason, wall_ms(),
                                           signer}))
    return error_reply(err);
  install(r.version, std::move(compiled.program));
  return running_reply();
}

protocol::list_change_reply
live_rules::change_list(const protocol::list_change& c, bool add,
                        const std::string& signer,
                        const std::string& request) {
  std::unique_lock<std::mutex> guard{mtx_};
  protocol::list_change_reply out;
  auto* current = lists_->find(c.list);
  if (add) {
    if (auto err = changes_.add(*lists_, c.list, c.values)) {
      out.error = err;
      out.size = current == nullptr ? 0 : current->size();
      return out;
    }
  }
  if (clustered_) {
    guard.unlock();
    return publish_list_change(bucket_list_change{
      valid_request_id(request) ? request : random_request_id(), 0, 1,
      c.list, add, c.values, signature{c.author, c.reason, wall_ms(), signer}});
  }
  auto changed = store_->change_list(c.list, c.values, add,
                                     signature{c.author, c.reason, wall_ms(),
                                               signer});
  if (!changed) {
    out.error = changed.error();
    return out;
  }
  out.changed = *changed;
  change_in_memory(c.list, c.values, add);
  auto* now = lists_->find(c.list);
  out.size = now == nullptr ? 0 : now->size();
  return out;
}

protocol::lists_reply live_rules::lists(const protocol::lists_query& q,
                                        std::size_t max_bytes) {
  std::lock_guard<std::mutex> guard{mtx_};
  protocol::lists_reply out;
  if (q.list.empty()) {
    lists_->each([&](const std::string& name, const auto& entries) {
      out.lists.push_back(protocol::named_list{name, entries.size(), {}});
    });
    return out;
  }
  auto* entries = lists_->find(q.list);
  if (entries == nullptr) {
    out.error = fraud::error::in_field(fraud::ec::not_found, "list",
                                     "list '" + q.list + "' has no entries");
    return out;
  }
  auto page = store_->list_entries(q.list, q.cursor, q.limit, max_bytes);
  if (!page) {
    out.error = page.error();
    return out;
  }
  protocol::named_list l{q.list, entries->size(), {}};
  for (auto& e : page->entries)
    l.entries.push_back(
      protocol::list_entry{e.value, e.author, e.reason, e.added_at_ms,
                           e.signer});
  out.lists.push_back(std::move(l));
  out.next_cursor = std::move(page->next_cursor);
  return out;
}

} // namespace fraud::service
