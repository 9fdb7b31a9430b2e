#include "service/ctl/ctl_rules.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "protocol/rules_codec.hpp"
#include "protocol/subjects.hpp"

namespace fraud::ctl {

namespace {

using json = nlohmann::json;

// What a versioned text is called and where it is asked for: the rules,
// the exchange rates or the trained model (the same messages on other
// subjects).
struct versioned_text {
  const char* get;
  const char* set;
  const char* history;
  const char* rollback;  // null: no rollback
  std::string prefix;    // of a version's name: "rules-"
  const char* unit;      // what the reply's count counts
};

const versioned_text rules_text{
  protocol::subjects::rules_get, protocol::subjects::rules_set,
  protocol::subjects::rules_history, protocol::subjects::rules_rollback,
  "rules-", "rules"};
const versioned_text rates_text{
  protocol::subjects::rates_get, protocol::subjects::rates_set,
  protocol::subjects::rates_history, protocol::subjects::rates_rollback,
  "rates-", "currencies"};
const versioned_text model_text{
  protocol::subjects::model_get, protocol::subjects::model_set,
  protocol::subjects::model_history, protocol::subjects::model_rollback,
  "model-", "trees"};

bool parse_version(const std::string& text, std::uint64_t& out,
                   const versioned_text& d = rules_text) {
  auto digits = text.rfind(d.prefix, 0) == 0 ? text.substr(d.prefix.size())
                                             : text;
  if (digits.empty() || digits.size() > 18
      || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoull(digits);
  return true;
}

// Every change is kept with who made it and why: fraudctl refuses one
// without them.
const char* const say_who_and_why =
  "say who and why: --author (default $USER) and --reason";

std::string author_or_user(const std::string& author) {
  if (!author.empty())
    return author;
  auto* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

// The verified analyst's name, without the key; "-" for none.
std::string signer_name(const std::string& signer) {
  return signer.empty() ? "-" : signer.substr(0, signer.find(" ("));
}

json version_json(const protocol::rules_version& v) {
  return {{"version", v.version},   {"name", v.name},
          {"author", v.author},     {"reason", v.reason},
          {"signer", v.signer},
          {"created_at_ms", v.created_at_ms},
          {"rules", v.rules},       {"running", v.running}};
}

json errors_json(const std::vector<models::rules::rule_diagnostic>& errors) {
  auto out = json::array();
  for (auto& e : errors)
    out.push_back({{"line", e.line}, {"column", e.column},
                   {"message", e.message}});
  return out;
}

// "FILE:3:14: error: ..." as compilers say it, so editors can jump there.
void print_problems(const std::string& file, const char* kind,
                    const std::vector<models::rules::rule_diagnostic>& list) {
  for (auto& e : list) {
    if (e.line > 0)
      std::fprintf(stderr, "%s:%d:%d: %s: %s\n", file.c_str(), e.line,
                   e.column, kind, e.message.c_str());
    else
      std::fprintf(stderr, "%s: %s: %s\n", file.c_str(), kind,
                   e.message.c_str());
  }
}

int print_change(const common_options& c, const std::string& file,
                 const protocol::rules_change_reply& r, const char* done,
                 const versioned_text& d = rules_text) {
  if (c.json) {
    json j{{"errors", errors_json(r.errors)},
           {"warnings", errors_json(r.warnings)}};
    if (r.version)
      j["running"] = version_json(*r.version);
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    print_problems(file, "error", r.errors);
    print_problems(file, "warning", r.warnings);
  }
  if (!r.errors.empty()) {
    if (!c.json)
      std::fprintf(stderr, "fraudctl: %zu error(s): nothing changed%s\n",
                   r.errors.size(),
                   r.version ? (", " + r.version->name + " still runs").c_str()
                             : "");
    return rejected;
  }
  if (!c.json && r.version)
    std::printf("%s %s (%u %s)\n", r.version->name.c_str(), done,
                r.version->rules, d.unit);
  return ok;
}

int run_get(const common_options& c, const rules_cli& o,
            const versioned_text& d) {
  protocol::rules_get_request q;
  if (!o.version.empty() && !parse_version(o.version, q.version, d))
    return usage_error("--version takes 7 or " + d.prefix + "7");
  auto reply = ask<protocol::rules_get_reply>(c, d.get, q);
  if (!reply)
    return exit_code(reply.error());
  auto& r = *reply;
  if (c.json) {
    json j{{"text", r.text}};
    if (r.version)
      j["version"] = version_json(*r.version);
    std::printf("%s\n", j.dump(2).c_str());
    return ok;
  }
  if (r.version)
    std::fprintf(stderr, "%s%s, by %s (signed by %s) at %s: %s\n",
                 r.version->name.c_str(),
                 r.version->running ? " (running)" : "",
                 r.version->author.c_str(),
                 signer_name(r.version->signer).c_str(),
                 format_time(r.version->created_at_ms).c_str(),
                 r.version->reason.c_str());
  if (o.out.empty()) {
    std::fwrite(r.text.data(), 1, r.text.size(), stdout);
    return ok;
  }
  std::ofstream out{o.out, std::ios::trunc};
  out << r.text;
  if (!out) {
    std::fprintf(stderr, "fraudctl: cannot write %s\n", o.out.c_str());
    return failure;
  }
  return ok;
}

int run_set(const common_options& c, const rules_cli& o,
            const versioned_text& d) {
  protocol::rules_set_request q;
  std::ostringstream text;
  if (o.file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in{o.file};
    if (!in)
      return usage_error("cannot read " + o.file);
    text << in.rdbuf();
  }
  q.text = text.str();
  q.author = author_or_user(o.author);
  q.reason = o.reason;
  q.dry_run = o.dry_run;
  if (!q.dry_run && (q.author.empty() || q.reason.empty()))
    return usage_error(say_who_and_why);
  auto r = ask<protocol::rules_change_reply>(c, d.set, q);
  if (!r)
    return exit_code(r.error());
  return print_change(c, o.file, *r,
                      q.dry_run ? "keeps running: the file is correct"
                                : "running",
                      d);
}

int run_rollback(const common_options& c, const rules_cli& o,
                 const versioned_text& d) {
  protocol::rules_rollback_request q;
  if (!parse_version(o.version, q.version, d))
    return usage_error("VERSION is 7 or " + d.prefix + "7");
  q.author = author_or_user(o.author);
  q.reason = o.reason;
  if (q.author.empty() || q.reason.empty())
    return usage_error(say_who_and_why);
  auto r = ask<protocol::rules_change_reply>(c, d.rollback, q);
  if (!r)
    return exit_code(r.error());
  return print_change(c, o.version, *r, "running again", d);
}

int run_history(const common_options& c, const rules_cli& o,
                const versioned_text& d) {
  protocol::rules_history_request q;
  q.limit = o.limit;
  auto reply = ask<protocol::rules_history_reply>(c, d.history, q);
  if (!reply)
    return exit_code(reply.error());
  auto& r = *reply;
  if (c.json) {
    json versions = json::array();
    for (auto& v : r.versions)
      versions.push_back(version_json(v));
    json activations = json::array();
    for (auto& a : r.activations)
      activations.push_back({{"version", a.version}, {"author", a.author},
                             {"reason", a.reason},
                             {"activated_at_ms", a.activated_at_ms},
                             {"kind", a.kind}, {"signer", a.signer}});
    std::printf("%s\n", json{{"versions", versions},
                             {"activations", activations}}
                          .dump(2)
                          .c_str());
    return ok;
  }
  std::printf("%-10s %-23s %-16s %-16s %5s  %s\n", "version",
              "created (UTC)", "signed by", "author", d.unit, "reason");
  for (auto& v : r.versions)
    std::printf("%-10s %-23s %-16s %-16s %5u  %s%s\n", v.name.c_str(),
                format_time(v.created_at_ms).c_str(),
                signer_name(v.signer).c_str(), v.author.c_str(), v.rules,
                v.reason.c_str(), v.running ? "  [running]" : "");
  std::printf("\n%-23s %-10s %-9s %-16s %-16s %s\n", "ran from (UTC)",
              "version", "how", "signed by", "author", "reason");
  for (auto& a : r.activations)
    std::printf("%-23s %s%-4llu %-9s %-16s %-16s %s\n",
                format_time(a.activated_at_ms).c_str(), d.prefix.c_str(),
                static_cast<unsigned long long>(a.version), a.kind.c_str(),
                signer_name(a.signer).c_str(), a.author.c_str(),
                a.reason.c_str());
  return ok;
}

int run_shadow(const common_options& c, const rules_cli& o) {
  protocol::shadow_query q;
  q.rule = o.rule;
  q.limit = o.limit;
  if (!parse_time(o.since, q.since_ms))
    return usage_error("--since takes a duration like 10m, 2h, 7d or Unix ms");
  auto reply =
    ask<protocol::shadow_reply>(c, protocol::subjects::rules_shadow, q);
  if (!reply)
    return exit_code(reply.error());
  auto& r = *reply;
  auto shadow_reason = [&](const models::decision& d) {
    for (auto& s : d.shadow_reasons)
      if (s.rule == o.rule)
        return s.detail;
    return std::string{};
  };
  if (c.json) {
    json rules = json::array();
    for (auto& h : r.rules)
      rules.push_back({{"rule", h.rule}, {"fired", h.fired},
                       {"approved", h.approved}, {"reviewed", h.reviewed},
                       {"declined", h.declined}});
    json decisions = json::array();
    for (auto& v : r.decisions)
      decisions.push_back({{"tx_id", v.decision.tx_id},
                           {"card_id", v.decision.card_id},
                           {"action", models::to_string(v.decision.action)},
                           {"decided_at_ms", v.env.decided_at_ms},
                           {"ruleset_version", v.decision.ruleset_version},
                           {"shadow_detail", shadow_reason(v.decision)}});
    std::printf("%s\n", json{{"rules", rules}, {"decisions", decisions}}
                          .dump(2)
                          .c_str());
    return ok;
  }
  std::printf("%-32s %8s   %s\n", "shadow rule", "fired",
              "on decisions that were approve / review / decline");
  for (auto& h : r.rules)
    std::printf("%-32s %8llu   %llu / %llu / %llu\n", h.rule.c_str(),
                static_cast<unsigned long long>(h.fired),
                static_cast<unsigned long long>(h.approved),
                static_cast<unsigned long long>(h.reviewed),
                static_cast<unsigned long long>(h.declined));
  if (r.rules.empty())
    std::printf("no shadow rule fired%s\n",
                o.since.empty() ? "" : " in that time");
  if (o.rule.empty())
    return ok;
  std::printf("\nlatest decisions %s fired on:\n%-23s  %-20s  %-16s  %-7s  "
              "%s\n",
              o.rule.c_str(), "decided at (UTC)", "tx_id", "card_id",
              "action", "what it saw");
  for (auto& v : r.decisions)
    std::printf("%-23s  %-20s  %-16s  %-7s  %s\n",
                format_time(v.env.decided_at_ms).c_str(),
                v.decision.tx_id.c_str(), v.decision.card_id.c_str(),
                models::to_string(v.decision.action),
                shadow_reason(v.decision).c_str());
  return ok;
}

int run_lists_get(const common_options& c, const rules_cli& o) {
  protocol::lists_query q;
  q.list = o.list;
  auto reply = ask<protocol::lists_reply>(c, protocol::subjects::lists_get, q);
  if (!reply)
    return exit_code(reply.error());
  auto& r = *reply;
  // A list comes a page at a time (each reply fits in one NATS message):
  // read them all, as one list.
  while (!r.next_cursor.empty() && r.lists.size() == 1) {
    q.cursor = r.next_cursor;
    auto more =
      ask<protocol::lists_reply>(c, protocol::subjects::lists_get, q);
    if (!more)
      return exit_code(more.error());
    if (more->lists.size() != 1 || more->next_cursor == q.cursor)
      break;
    auto& entries = r.lists.front().entries;
    for (auto& e : more->lists.front().entries)
      entries.push_back(std::move(e));
    r.next_cursor = more->next_cursor;
  }
  if (c.json) {
    json lists = json::array();
    for (auto& l : r.lists) {
      json entries = json::array();
      for (auto& e : l.entries)
        entries.push_back({{"value", e.value}, {"author", e.author},
                           {"signer", e.signer},
                           {"reason", e.reason},
                           {"added_at_ms", e.added_at_ms}});
      lists.push_back({{"name", l.name}, {"size", l.size},
                       {"entries", entries}});
    }
    std::printf("%s\n", json{{"lists", lists}}.dump(2).c_str());
    return ok;
  }
  if (o.list.empty()) {
    std::printf("%-32s %s\n", "list", "values");
    for (auto& l : r.lists)
      std::printf("%-32s %llu\n", l.name.c_str(),
                  static_cast<unsigned long long>(l.size));
    return ok;
  }
  for (auto& l : r.lists) {
    std::printf("%-40s %-23s %-16s %-16s %s\n", "value", "added (UTC)",
                "signed by", "author", "reason");
    for (auto& e : l.entries)
      std::printf("%-40s %-23s %-16s %-16s %s\n", e.value.c_str(),
                  format_time(e.added_at_ms).c_str(),
                  signer_name(e.signer).c_str(), e.author.c_str(),
                  e.reason.c_str());
  }
  return ok;
}

int run_lists_change(const common_options& c, const rules_cli& o, bool add) {
  protocol::list_change q{o.list, o.values, author_or_user(o.author),
                          o.reason};
  if (q.author.empty() || q.reason.empty())
    return usage_error(say_who_and_why);
  auto* subject =
    add ? protocol::subjects::lists_add : protocol::subjects::lists_remove;
  auto reply = ask<protocol::list_change_reply>(c, subject, q);
  if (!reply)
    return exit_code(reply.error());
  auto& r = *reply;
  if (c.json)
    std::printf("%s\n", json{{"changed", r.changed}, {"size", r.size}}
                          .dump(2)
                          .c_str());
  else
    std::printf("%s %llu value(s); %s has %llu\n", add ? "added" : "removed",
                static_cast<unsigned long long>(r.changed), o.list.c_str(),
                static_cast<unsigned long long>(r.size));
  return ok;
}

} // namespace

std::unique_ptr<rules_cli> add_rules_commands(CLI::App& app) {
  auto o = std::make_unique<rules_cli>();
  auto* rules = app.add_subcommand("rules", "the rules fraudd runs: get, "
                                            "set, rollback, history, shadow");
  rules->require_subcommand(1);
  auto who = [&](CLI::App* cmd) {
    cmd->add_option("--author", o->author, "who makes the change "
                                           "(default: $USER)");
    cmd->add_option("--reason", o->reason, "why (kept with the change)");
  };
  o->get = rules->add_subcommand("get", "print the running rule text (or "
                                        "a version's)");
  o->get->add_option("--version", o->version, "7 or rules-7 (default: the "
                                              "running one)");
  o->get->add_option("--out", o->out, "write the text to this file");
  o->set = rules->add_subcommand("set", "run a new rule text; on errors "
                                        "nothing changes");
  o->set->add_option("FILE", o->file, "rule file, - for stdin")->required();
  who(o->set);
  o->set->add_flag("--dry-run", o->dry_run, "only check the file");
  o->rollback = rules->add_subcommand("rollback", "run an earlier version "
                                                  "again");
  o->rollback->add_option("VERSION", o->version, "7 or rules-7")->required();
  who(o->rollback);
  o->history = rules->add_subcommand("history", "every version, and when "
                                                "each ran");
  o->history->add_option("--limit", o->limit, "rows of each")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  o->shadow = rules->add_subcommand("shadow", "how often each shadow rule "
                                              "would have fired, and on "
                                              "which decisions");
  o->shadow->add_option("--rule", o->rule, "also list this rule's latest "
                                           "decisions");
  o->shadow->add_option("--since", o->since, "decided since: 10m, 2h, 7d or "
                                             "Unix ms");
  o->shadow->add_option("--limit", o->limit, "decisions to list")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));

  auto* lists = app.add_subcommand("lists", "named lists rules test with "
                                            "'in list NAME': get, add, "
                                            "remove");
  lists->require_subcommand(1);
  o->lists_get = lists->add_subcommand("get", "every list and its size, or "
                                              "one list's values");
  o->lists_get->add_option("NAME", o->list, "one list");
  for (auto** cmd : {&o->lists_add, &o->lists_remove}) {
    bool add = cmd == &o->lists_add;
    *cmd = lists->add_subcommand(add ? "add" : "remove",
                                 add ? "add values to a list (the next "
                                       "transaction sees them)"
                                     : "remove values from a list");
    (*cmd)->add_option("NAME", o->list, "the list")->required();
    (*cmd)->add_option("VALUES", o->values, "card ids, device ids, "
                                            "merchant ids, IPs, countries")
      ->required();
    who(*cmd);
  }

  auto* rates = app.add_subcommand("rates", "the exchange rates fraudd "
                                            "converts amounts with: get, "
                                            "set, rollback, history");
  rates->require_subcommand(1);
  o->rates_get = rates->add_subcommand("get", "print the rates in use (or a "
                                              "version's)");
  o->rates_get->add_option("--version", o->version, "7 or rates-7 (default: "
                                                    "the one in use)");
  o->rates_get->add_option("--out", o->out, "write the table to this file");
  o->rates_set = rates->add_subcommand("set", "use a new rates table; on "
                                              "errors nothing changes");
  o->rates_set->add_option("FILE", o->file, "rates file (README: the rates "
                                            "table), - for stdin")
    ->required();
  who(o->rates_set);
  o->rates_set->add_flag("--dry-run", o->dry_run, "only check the file");
  o->rates_rollback = rates->add_subcommand("rollback", "use an earlier "
                                                        "version again");
  o->rates_rollback->add_option("VERSION", o->version, "7 or rates-7")
    ->required();
  who(o->rates_rollback);
  o->rates_history = rates->add_subcommand("history", "every version, and "
                                                      "when each was used");
  o->rates_history->add_option("--limit", o->limit, "rows of each")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));

  auto* model = app.add_subcommand("model", "the trained model whose "
                                            "model_score the rules see: get, "
                                            "set, rollback, history");
  model->require_subcommand(1);
  o->model_get = model->add_subcommand("get", "print the running model's "
                                              "JSON (or a version's)");
  o->model_get->add_option("--version", o->version, "7 or model-7 (default: "
                                                    "the running one)");
  o->model_get->add_option("--out", o->out, "write the model to this file");
  o->model_set = model->add_subcommand("set", "run a new model (fraud-sim "
                                              "train); one that does not "
                                              "load changes nothing");
  o->model_set->add_option("FILE", o->file, "XGBoost JSON model, - for "
                                            "stdin")
    ->required();
  who(o->model_set);
  o->model_set->add_flag("--dry-run", o->dry_run, "only check that it loads");
  o->model_rollback = model->add_subcommand("rollback", "run an earlier "
                                                        "version again");
  o->model_rollback->add_option("VERSION", o->version, "7 or model-7")
    ->required();
  who(o->model_rollback);
  o->model_history = model->add_subcommand("history", "every version, and "
                                                      "when each ran");
  o->model_history->add_option("--limit", o->limit, "rows of each")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  return o;
}

std::optional<int> run_rules_commands(const common_options& c,
                                      const rules_cli& r) {
  if (r.get->parsed())
    return run_get(c, r, rules_text);
  if (r.set->parsed())
    return run_set(c, r, rules_text);
  if (r.rollback->parsed())
    return run_rollback(c, r, rules_text);
  if (r.history->parsed())
    return run_history(c, r, rules_text);
  if (r.shadow->parsed())
    return run_shadow(c, r);
  if (r.lists_get->parsed())
    return run_lists_get(c, r);
  if (r.lists_add->parsed())
    return run_lists_change(c, r, true);
  if (r.lists_remove->parsed())
    return run_lists_change(c, r, false);
  if (r.rates_get->parsed())
    return run_get(c, r, rates_text);
  if (r.rates_set->parsed())
    return run_set(c, r, rates_text);
  if (r.rates_rollback->parsed())
    return run_rollback(c, r, rates_text);
  if (r.rates_history->parsed())
    return run_history(c, r, rates_text);
  if (r.model_get->parsed())
    return run_get(c, r, model_text);
  if (r.model_set->parsed())
    return run_set(c, r, model_text);
  if (r.model_rollback->parsed())
    return run_rollback(c, r, model_text);
  if (r.model_history->parsed())
    return run_history(c, r, model_text);
  return std::nullopt;
}

} // namespace fraud::ctl
