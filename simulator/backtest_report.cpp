#include "simulator/backtest_report.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <utility>

#include "models/rules/compiled_ruleset.hpp"
#include "models/decision.hpp"

namespace fraud::simulator {

namespace {

using hits = std::vector<std::pair<std::string, std::uint64_t>>;

std::uint64_t hits_of(const hits& h, const std::string& rule) {
  for (auto& [name, n] : h)
    if (name == rule)
      return n;
  return 0;
}

// Every rule either ruleset fired, in the order of their total hits.
std::vector<std::string> rules_of(const backtest_comparison& c) {
  std::map<std::string, std::uint64_t> total;
  for (auto* s : {&c.baseline, &c.candidate})
    for (auto* l : {&s->fraud, &s->legitimate})
      for (auto& [rule, n] : l->rules)
        total[rule] += n;
  std::vector<std::string> out;
  for (auto& [rule, n] : total)
    out.push_back(rule);
  std::stable_sort(out.begin(), out.end(), [&](auto& a, auto& b) {
    return total[a] > total[b];
  });
  return out;
}

// `decimals`: 0 for counts.
void row(std::FILE* out, const char* name, double a, double b,
         int decimals) {
  char left[32], right[32], delta[32];
  std::snprintf(left, sizeof(left), "%.*f", decimals, a);
  std::snprintf(right, sizeof(right), "%.*f", decimals, b);
  std::snprintf(delta, sizeof(delta), "%+.*f", decimals, b - a);
  std::fprintf(out, "  %-30s %14s %14s %12s\n", name, left, right, delta);
}

nlohmann::json side_json(const detection_summary& d) {
  nlohmann::json typologies = nlohmann::json::object();
  for (auto& t : d.typologies)
    typologies[t.name] = {{"count", t.count},
                          {"declined", t.declined},
                          {"recall", t.recall},
                          {"recall_from_third", t.recall_from_third},
                          {"attacks_stopped", t.attacks_stopped},
                          {"attacks", t.attacks}};
  nlohmann::json rules = nlohmann::json::object();
  for (auto* l : {&d.fraud, &d.legitimate})
    for (auto& [rule, n] : l->rules)
      rules[rule][l == &d.fraud ? "fraud" : "legitimate"] = n;
  return {{"precision", d.precision},
          {"recall", d.recall},
          {"false_decline_rate", d.false_decline_rate},
          {"review_rate_legit", d.review_rate_legit},
          {"declined_fraud", d.fraud.declined},
          {"declined_legitimate", d.legitimate.declined},
          {"typologies", typologies},
          {"rule_hits", rules}};
}

nlohmann::json shadow_json(const std::map<std::string, shadow_hits>& m) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [rule, h] : m)
    out[rule] = {{"fraud", h.fraud}, {"legitimate", h.legitimate}};
  return out;
}

} // namespace

void print_comparison(std::FILE* out, const std::string& dataset,
                      const backtest_comparison& c, std::size_t show) {
  std::fprintf(out, "\nfraud-sim backtest: %s, %llu transactions in event "
                    "time (%.1f s)\n\n",
               dataset.c_str(),
               static_cast<unsigned long long>(c.transactions), c.seconds);
  std::fprintf(out, "  baseline:  %s\n  candidate: %s\n\n",
               c.baseline_name.c_str(), c.candidate_name.c_str());
  std::fprintf(out, "  %-30s %14s %14s %12s\n", "", "baseline", "candidate",
               "change");
  auto& a = c.baseline;
  auto& b = c.candidate;
  row(out, "precision", a.precision, b.precision, 4);
  row(out, "recall (all fraud)", a.recall, b.recall, 4);
  row(out, "false decline rate", a.false_decline_rate, b.false_decline_rate,
      5);
  row(out, "review rate (legit)", a.review_rate_legit, b.review_rate_legit,
      5);
  row(out, "fraud declined", a.fraud.declined, b.fraud.declined, 0);
  row(out, "legit declined", a.legitimate.declined, b.legitimate.declined,
      0);
  for (std::size_t i = 0; i < a.typologies.size() && i < b.typologies.size();
       ++i)
    row(out, ("recall " + a.typologies[i].name).c_str(),
        a.typologies[i].recall, b.typologies[i].recall, 4);
  for (std::size_t i = 0; i < a.typologies.size() && i < b.typologies.size();
       ++i)
    if (a.typologies[i].name == "stolen_card_spree")
      row(out, "  from its 3rd purchase", a.typologies[i].recall_from_third,
          b.typologies[i].recall_from_third, 4);
  std::fprintf(out, "\n  %-24s %14s %14s   (fraud / legitimate "
                    "transactions)\n",
               "rule hits", "baseline", "candidate");
  for (auto& rule : rules_of(c)) {
    auto cell = [&](const detection_summary& d) {
      return std::to_string(hits_of(d.fraud.rules, rule)) + " / "
             + std::to_string(hits_of(d.legitimate.rules, rule));
    };
    std::fprintf(out, "  %-24s %14s %14s\n", rule.c_str(), cell(a).c_str(),
                 cell(b).c_str());
  }
  if (!c.baseline_shadow.empty() || !c.candidate_shadow.empty()) {
    std::fprintf(out, "\n  %-24s %14s %14s   (fraud / legitimate; not "
                      "acted on)\n",
                 "shadow rule hits", "baseline", "candidate");
    std::map<std::string, int> names;
    for (auto* m : {&c.baseline_shadow, &c.candidate_shadow})
      for (auto& [rule, h] : *m)
        names[rule];
    for (auto& [rule, unused] : names) {
      auto cell = [&](const std::map<std::string, shadow_hits>& m) {
        auto it = m.find(rule);
        return it == m.end() ? std::string{"-"}
                             : std::to_string(it->second.fraud) + " / "
                                 + std::to_string(it->second.legitimate);
      };
      std::fprintf(out, "  %-24s %14s %14s\n", rule.c_str(),
                   cell(c.baseline_shadow).c_str(),
                   cell(c.candidate_shadow).c_str());
    }
  }
  std::fprintf(out, "\ndecisions that would change: %s (newly declined: "
                    "%s fraud, %s legitimate; no longer declined: %s fraud, "
                    "%s legitimate)\n",
               std::to_string(c.changed).c_str(),
               std::to_string(c.newly_declined_fraud).c_str(),
               std::to_string(c.newly_declined_legit).c_str(),
               std::to_string(c.no_longer_declined_fraud).c_str(),
               std::to_string(c.no_longer_declined_legit).c_str());
  if (c.changes.empty() || show == 0)
    return;
  std::fprintf(out, "  %-24s %-24s %-21s %-25s %s\n", "tx_id", "card_id",
               "label", "baseline -> candidate", "rules");
  for (std::size_t i = 0; i < c.changes.size() && i < show; ++i) {
    auto& x = c.changes[i];
    auto actions = std::string{models::to_string(x.baseline)} + " "
                   + std::to_string(x.baseline_score) + " -> "
                   + models::to_string(x.candidate) + " "
                   + std::to_string(x.candidate_score);
    std::fprintf(out, "  %-24s %-24s %-21s %-25s %s -> %s\n",
                 x.tx_id.c_str(), x.card_id.c_str(),
                 protocol::to_string(x.label), actions.c_str(),
                 x.baseline_rules.empty() ? "-" : x.baseline_rules.c_str(),
                 x.candidate_rules.empty() ? "-" : x.candidate_rules.c_str());
  }
  auto listed = std::min<std::uint64_t>(show, c.changes.size());
  if (c.changed > listed)
    std::fprintf(out, "  ... and %llu more (--changes N; --json FILE has "
                      "them all)\n",
                 static_cast<unsigned long long>(c.changed - listed));
}

nlohmann::json to_json(const std::string& dataset,
                       const backtest_comparison& c) {
  auto changes = nlohmann::json::array();
  for (auto& x : c.changes)
    changes.push_back({{"tx_id", x.tx_id},
                       {"card_id", x.card_id},
                       {"event_time_ms", x.event_time_ms},
                       {"label", protocol::to_string(x.label)},
                       {"baseline", models::to_string(x.baseline)},
                       {"candidate", models::to_string(x.candidate)},
                       {"baseline_score", x.baseline_score},
                       {"candidate_score", x.candidate_score},
                       {"baseline_rules", x.baseline_rules},
                       {"candidate_rules", x.candidate_rules}});
  return {{"dataset", dataset},
          {"transactions", c.transactions},
          {"baseline", {{"rules", c.baseline_name},
                        {"detection", side_json(c.baseline)},
                        {"shadow_hits", shadow_json(c.baseline_shadow)}}},
          {"candidate", {{"rules", c.candidate_name},
                         {"detection", side_json(c.candidate)},
                         {"shadow_hits", shadow_json(c.candidate_shadow)}}},
          {"changed", c.changed},
          {"newly_declined", {{"fraud", c.newly_declined_fraud},
                              {"legitimate", c.newly_declined_legit}}},
          {"no_longer_declined", {{"fraud", c.no_longer_declined_fraud},
                                  {"legitimate", c.no_longer_declined_legit}}},
          {"changes", changes}};
}

int run_rules_backtest(const std::string& in_path,
                       const std::string& rules_path,
                       const std::string& baseline_path, std::size_t show,
                       const std::string& json_path) {
  std::string error;
  auto candidate = load_rule_file(rules_path, error);
  std::shared_ptr<const models::ruleset> baseline;
  if (candidate && baseline_path.empty()) {
    baseline = *models::rules::make_compiled_ruleset(
      models::rules::default_rules_text(), "built-in default rules", nullptr);
  } else if (candidate) {
    baseline = load_rule_file(baseline_path, error);
  }
  if (!candidate || !baseline) {
    std::fprintf(stderr, "%s", error.c_str());
    return 2;
  }
  std::ifstream in{in_path, std::ios::binary};
  if (!in) {
    std::fprintf(stderr, "fraud-sim: cannot read %s\n", in_path.c_str());
    return 1;
  }
  backtest_comparison c;
  // The JSON lists every change; the table only `show` of them.
  auto keep = json_path.empty() ? show : std::size_t{1'000'000};
  if (!backtest_compare(in, *baseline, *candidate, keep, c, error)) {
    std::fprintf(stderr, "fraud-sim: %s: %s\n", in_path.c_str(),
                 error.c_str());
    return 1;
  }
  print_comparison(stdout, in_path, c, show);
  if (json_path.empty())
    return 0;
  std::ofstream out{json_path, std::ios::trunc};
  out << to_json(in_path, c).dump(2) << "\n";
  if (!out) {
    std::fprintf(stderr, "fraud-sim: cannot write %s\n", json_path.c_str());
    return 1;
  }
  return 0;
}

} // namespace fraud::simulator
