#include "service/ctl/ctl_outcomes.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "protocol/label_file.hpp"
#include "protocol/outcome_codec.hpp"
#include "protocol/subjects.hpp"
#include "service/client/clock.hpp"
#include "service/client/outcome_merge.hpp"
#include "service/ctl/ctl_gather.hpp"
#include "service/ctl/decision_json.hpp"

namespace fraud::ctl {

namespace {

using nlohmann::json;
namespace subjects = protocol::subjects;

std::string joined(const std::vector<std::string>& rules) {
  std::string out;
  for (auto& r : rules)
    out += (out.empty() ? "" : " ") + r;
  return out.empty() ? "-" : out;
}

void print_case(const protocol::review_case& k) {
  std::printf("%-23s  %-20s  %-16s  %-5s  %5d  %14s  %s\n",
              format_time(k.opened_at_ms).c_str(), k.tx_id.c_str(),
              k.card_id.c_str(), protocol::to_string(k.state), k.score,
              format_amount(k.amount_minor, k.currency).c_str(),
              joined(k.rules).c_str());
  if (k.state != protocol::case_state::open)
    std::printf("%25s resolved %s by %s%s%s\n", "",
                format_time(k.resolved_at_ms).c_str(), k.resolved_by.c_str(),
                k.note.empty() ? "" : ": ", k.note.c_str());
}

// For scripts: `j` with who answered.
int print_json(nlohmann::json& j, const answered_by& who) {
  add_answered(j, who);
  std::printf("%s\n", j.dump(2).c_str());
  return ok;
}

// The end of a page's summary line: where to go on, and who answered.
int end_page(const std::string& next_cursor, const answered_by& who) {
  if (!next_cursor.empty())
    std::printf("; more with --cursor %s (or --all)", next_cursor.c_str());
  std::printf("\n");
  print_answered(who);
  return ok;
}

// Asks for pages of `Reply` until the last (with --all) or the first,
// gathering every instance's answer; `rows` collects each page's rows.
template <class Reply, class Query, class Merge, class Rows>
std::optional<Reply> ask_pages(const common_options& c,
                               const std::string& subject, Query q, bool all,
                               answered_by& who, Merge merge, Rows&& rows,
                               int& rc) {
  auto conn = connect(c, role_for(subject));
  if (!conn) {
    rc = failure;
    return std::nullopt;
  }
  for (;;) {
    auto r = ask_merged<Reply>(*conn, c, subject, q, who, merge, rc);
    if (!r)
      return std::nullopt;
    rows(*r);
    if (!all || r->next_cursor.empty())
      return r;
    q.cursor = r->next_cursor;
  }
}

int run_cases_list(const common_options& c, const outcomes_cli& o) {
  protocol::cases_query q;
  q.open_only = o.open_only;
  q.rule = o.rule;
  q.limit = o.limit;
  q.cursor = o.cursor;
  answered_by who;
  std::vector<protocol::review_case> cases;
  int rc = ok;
  auto last = ask_pages<protocol::cases_reply>(
    c, subjects::query_cases, q, o.all, who,
    [&](auto& replies) { return service::merge_cases(replies, q.limit); },
    [&](protocol::cases_reply& r) {
      for (auto& k : r.cases)
        cases.push_back(std::move(k));
    },
    rc);
  if (!last)
    return rc;
  if (c.json) {
    json rows = json::array();
    for (auto& k : cases)
      rows.push_back(service::to_json(k));
    json j{{"cases", rows}, {"open", last->open},
           {"next_cursor", last->next_cursor}};
    return print_json(j, who);
  }
  std::printf("%-23s  %-20s  %-16s  %-5s  %5s  %14s  %s\n",
              "opened at (UTC)", "tx_id", "card_id", "state", "score",
              "amount", "rules");
  for (auto& k : cases)
    print_case(k);
  std::printf("%zu cases; %llu open in all", cases.size(),
              static_cast<unsigned long long>(last->open));
  return end_page(last->next_cursor, who);
}

int run_cases_resolve(const common_options& c, const outcomes_cli& o) {
  protocol::case_resolve q;
  q.tx_id = o.tx_id;
  q.note = o.note;
  if (!protocol::parse_outcome(o.outcome, q.result))
    return usage_error("the outcome is fraud or legit, not '" + o.outcome
                       + "'");
  answered_by who;
  int rc = ok;
  auto r = ask_merged<protocol::case_resolve_reply>(
    c, subjects::cases_resolve, q, who, service::merge_resolve, rc);
  if (!r)
    return rc;
  if (c.json) {
    json j{{"case", service::to_json(r->resolved)}};
    return print_json(j, who);
  }
  print_case(r->resolved);
  print_answered(who);
  return ok;
}

// Sends labels in batches; prints what they did in total. A label
// without a time gets fraudctl's now, so that every instance of a cluster
// stores the same one (fraudd would give it its own clock's).
int send_labels(const common_options& c, std::vector<protocol::label> all,
                std::size_t batch) {
  auto now = service::wall_ms();
  for (auto& l : all)
    if (l.at_ms == 0)
      l.at_ms = now;
  auto conn = connect(c, role_for(subjects::labels));
  if (!conn)
    return failure;
  answered_by who;
  protocol::labels_add_reply total;
  std::size_t sent = 0;
  while (sent < all.size()) {
    auto n = std::min(batch, all.size() - sent);
    protocol::labels_add q;
    q.labels.assign(all.begin() + static_cast<std::ptrdiff_t>(sent),
                    all.begin() + static_cast<std::ptrdiff_t>(sent + n));
    int rc = ok;
    auto r = ask_merged<protocol::labels_add_reply>(
      *conn, c, subjects::labels, q, who,
      [&](auto& replies) { return service::merge_labels_add(replies, n); },
      rc);
    if (!r) {
      if (sent > 0)
        std::fprintf(stderr, "fraudctl: the first %zu labels were stored; "
                             "none after them\n", sent);
      return rc;
    }
    total.added += r->added;
    total.changed += r->changed;
    total.unchanged += r->unchanged;
    total.decided += r->decided;
    total.unknown += r->unknown;
    sent += n;
  }
  if (c.json) {
    json j{{"sent", sent},          {"added", total.added},
           {"changed", total.changed}, {"unchanged", total.unchanged},
           {"decided", total.decided}, {"unknown", total.unknown}};
    return print_json(j, who);
  }
  std::printf("%zu labels: %llu added, %llu changed, %llu already there; "
              "%llu joined with a decision, %llu for a transaction no "
              "instance decided (kept)\n",
              sent, static_cast<unsigned long long>(total.added),
              static_cast<unsigned long long>(total.changed),
              static_cast<unsigned long long>(total.unchanged),
              static_cast<unsigned long long>(total.decided),
              static_cast<unsigned long long>(total.unknown));
  print_answered(who);
  return ok;
}

int run_labels_add(const common_options& c, const outcomes_cli& o) {
  protocol::label l;
  l.tx_id = o.tx_id;
  l.source = o.source.empty() ? "manual" : o.source;
  l.note = o.note;
  if (!protocol::parse_outcome(o.outcome, l.result))
    return usage_error("the outcome is fraud or legit, not '" + o.outcome
                       + "'");
  if (!parse_time(o.at, l.at_ms))
    return usage_error("--at takes a time like 2d (ago) or Unix ms");
  return send_labels(c, {l}, 1);
}

int run_labels_load(const common_options& c, const outcomes_cli& o) {
  auto format = o.format == "dataset" ? protocol::label_file_format::dataset
                : o.format == "csv"   ? protocol::label_file_format::csv
                                      : protocol::label_file_format::automatic;
  auto labels = protocol::read_label_file(
    o.file, format, o.source.empty() ? "dataset" : o.source, 0);
  if (!labels)
    return usage_error(labels.error().what());
  if (labels->empty())
    return usage_error(o.file + ": no labels in it");
  return send_labels(c, std::move(*labels), o.batch);
}

int run_labels_list(const common_options& c, const outcomes_cli& o) {
  protocol::labels_query q;
  q.tx_id = o.tx_id;
  q.unknown_only = o.unknown_only;
  q.limit = o.limit;
  q.cursor = o.cursor;
  if (!parse_time(o.since, q.since_ms))
    return usage_error("--since takes a duration like 10m, 2h, 7d or Unix ms");
  answered_by who;
  std::vector<protocol::stored_label> rows;
  int rc = ok;
  auto last = ask_pages<protocol::labels_reply>(
    c, subjects::query_labels, q, o.all, who,
    [&](auto& replies) {
      return service::merge_labels(replies, q.limit, q.unknown_only);
    },
    [&](protocol::labels_reply& r) {
      for (auto& l : r.labels)
        rows.push_back(std::move(l));
    },
    rc);
  if (!last)
    return rc;
  if (c.json) {
    json out = json::array();
    for (auto& l : rows)
      out.push_back(service::to_json(l));
    json j{{"labels", out}, {"labelled", last->labelled},
           {"unknown", last->unknown}, {"next_cursor", last->next_cursor}};
    return print_json(j, who);
  }
  std::printf("%-23s  %-20s  %-5s  %-12s  %-8s  %s\n", "learnt at (UTC)",
              "tx_id", "label", "source", "decision", "rules that fired");
  for (auto& l : rows)
    std::printf("%-23s  %-20s  %-5s  %-12s  %-8s  %s\n",
                format_time(l.value.at_ms).c_str(), l.value.tx_id.c_str(),
                protocol::to_string(l.value.result), l.value.source.c_str(),
                l.decided ? models::to_string(l.action) : "unknown",
                l.decided ? joined(l.rules).c_str() : "");
  std::printf("%zu labels shown; %llu transactions labelled from outside, "
              "%llu of them never decided here",
              rows.size(), static_cast<unsigned long long>(last->labelled),
              static_cast<unsigned long long>(last->unknown));
  return end_page(last->next_cursor, who);
}

int run_performance(const common_options& c, const outcomes_cli& o) {
  protocol::performance_query q;
  if (!parse_time(o.decided_since, q.since_ms))
    return usage_error("--since takes a duration like 30d, 2h or Unix ms");
  answered_by who;
  int rc = ok;
  auto r = ask_merged<protocol::performance_reply>(
    c, subjects::query_performance, q, who, service::merge_performance, rc);
  if (!r)
    return rc;
  if (c.json) {
    json rules = json::array();
    for (auto& p : r->rules)
      rules.push_back({{"rule", p.rule}, {"shadow", p.shadow},
                       {"fired", p.fired}, {"fraud", p.fraud},
                       {"legit", p.legit}, {"missed", p.missed},
                       {"precision", p.precision}});
    json j{{"since_ms", q.since_ms},  {"rules", rules},
           {"decisions", r->decisions}, {"fraud", r->fraud},
           {"legit", r->legit},        {"labelled", r->labelled},
           {"labelled_decided", r->labelled_decided}};
    return print_json(j, who);
  }
  std::printf("%-32s %-6s %9s %8s %8s %9s %8s\n", "rule", "kind", "fired",
              "fraud", "legit", "precision", "missed");
  for (auto& p : r->rules) {
    char precision[16] = "-";
    if (p.fraud + p.legit > 0)
      std::snprintf(precision, sizeof precision, "%.3f", p.precision);
    std::printf("%-32s %-6s %9llu %8llu %8llu %9s %8llu\n", p.rule.c_str(),
                p.shadow ? "shadow" : "live",
                static_cast<unsigned long long>(p.fired),
                static_cast<unsigned long long>(p.fraud),
                static_cast<unsigned long long>(p.legit), precision,
                static_cast<unsigned long long>(p.missed));
  }
  if (r->rules.empty())
    std::printf("no rule fired in that time\n");
  std::printf("%llu decisions since %s: %llu labelled fraud, %llu labelled "
              "legit\n",
              static_cast<unsigned long long>(r->decisions),
              q.since_ms > 0 ? format_time(q.since_ms).c_str() : "the start",
              static_cast<unsigned long long>(r->fraud),
              static_cast<unsigned long long>(r->legit));
  auto unknown = r->labelled - std::min(r->labelled, r->labelled_decided);
  if (unknown > 0)
    std::printf("%llu outside labels name a transaction no instance decided "
                "(fraudctl labels list --unknown)\n",
                static_cast<unsigned long long>(unknown));
  print_answered(who);
  return ok;
}

} // namespace

std::unique_ptr<outcomes_cli> add_outcome_commands(CLI::App& app) {
  auto o = std::make_unique<outcomes_cli>();
  auto page = [&](CLI::App* cmd) {
    cmd->add_option("--limit", o->limit, "rows per page")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
    cmd->add_option("--cursor", o->cursor, "continue from a page's cursor");
    cmd->add_flag("--all", o->all, "follow the pages to the end");
  };
  auto outcome = [&](CLI::App* cmd) {
    cmd->add_option("OUTCOME", o->outcome, "fraud or legit")->required();
    cmd->add_option("--note", o->note, "why: a sentence or a ticket");
  };
  auto* cases = app.add_subcommand("cases", "the review queue: a case for "
                                            "every REVIEW decision");
  cases->require_subcommand(1);
  o->cases_list = cases->add_subcommand("list", "cases, newest first");
  o->cases_list->add_flag("--open", o->open_only, "only the open ones");
  o->cases_list->add_option("--rule", o->rule, "cases where this rule fired");
  page(o->cases_list);
  o->cases_resolve = cases->add_subcommand(
    "resolve", "close a case as fraud or legit (signed; also labels the "
               "transaction, source 'case')");
  o->cases_resolve->add_option("TX_ID", o->tx_id, "the case's transaction")
    ->required();
  outcome(o->cases_resolve);

  auto* labels = app.add_subcommand("labels", "outcomes learnt after the "
                                              "decision: add, list, load");
  labels->require_subcommand(1);
  o->labels_add = labels->add_subcommand("add", "label one transaction "
                                                "(signed)");
  o->labels_add->add_option("TX_ID", o->tx_id, "transaction id")->required();
  outcome(o->labels_add);
  o->labels_add->add_option("--source", o->source,
                            "where it comes from: chargeback, customer... "
                            "(default manual)");
  o->labels_add->add_option("--at", o->at, "when it was learnt: 2d (ago) or "
                                           "Unix ms (default now)");
  o->labels_list = labels->add_subcommand("list", "labels, newest first, "
                                                  "with their decisions");
  o->labels_list->add_option("--tx", o->tx_id, "one transaction's labels");
  o->labels_list->add_flag("--unknown", o->unknown_only,
                           "only labels of transactions no instance decided");
  o->labels_list->add_option("--since", o->since, "learnt since: 7d or Unix "
                                                  "ms");
  page(o->labels_list);
  o->labels_load = labels->add_subcommand(
    "load", "load labels from a file: a fraud-sim dataset, or CSV lines "
            "tx_id,outcome[,source[,at_ms[,note]]] (checked whole first)");
  o->labels_load->add_option("FILE", o->file, "the file")
    ->required()
    ->check(CLI::ExistingFile);
  o->labels_load->add_option("--format", o->format, "auto, dataset or csv")
    ->capture_default_str()
    ->check(CLI::IsMember({"auto", "dataset", "csv"}));
  o->labels_load->add_option("--source", o->source,
                             "source of labels that name none (default "
                             "dataset)");
  o->labels_load->add_option("--batch", o->batch, "labels per request")
    ->capture_default_str()
    ->check(CLI::Range(1, static_cast<int>(protocol::max_labels_per_request)));

  auto* rules = app.get_subcommand("rules");
  o->performance = rules->add_subcommand(
    "performance", "each rule (live and shadow) against the outcomes: "
                   "fired, labelled fraud and legit, precision, fraud "
                   "missed");
  o->performance->add_option("--since", o->decided_since, "decided since: 30d, 2h, "
                                                  "Unix ms, or 0 for all")
    ->capture_default_str();
  return o;
}

std::optional<int> run_outcome_commands(const common_options& c,
                                        const outcomes_cli& o) {
  if (o.cases_list->parsed())
    return run_cases_list(c, o);
  if (o.cases_resolve->parsed())
    return run_cases_resolve(c, o);
  if (o.labels_add->parsed())
    return run_labels_add(c, o);
  if (o.labels_list->parsed())
    return run_labels_list(c, o);
  if (o.labels_load->parsed())
    return run_labels_load(c, o);
  if (o.performance->parsed())
    return run_performance(c, o);
  return std::nullopt;
}

} // namespace fraud::ctl
