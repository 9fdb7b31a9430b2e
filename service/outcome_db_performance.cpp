// outcome_db's rule performance: each rule's figures over a window of
// decisions, joined with their outcomes (the rest of outcome_db, cases and
// labels, is in outcome_db.cpp).
#include "service/outcome_db.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "protocol/codec.hpp"
#include "service/decision_schema.hpp"
#include "service/scan_budget.hpp"

namespace fraud::service {

fraud::expected<protocol::performance_reply>
outcome_db::performance(std::int64_t since_ms, std::uint64_t max_steps,
                        const std::vector<models::rule_name>& running) {
  protocol::performance_reply out;
  scan_budget budget{db_->get(), max_steps};
  auto run = [&](const std::string& sql, auto&& row) -> fraud::error {
    auto st = db_->prepare(sql);
    if (!st)
      return st.error();
    st->bind(1, since_ms);
    int rc;
    while ((rc = st->step()) == SQLITE_ROW)
      row(*st);
    // Counting is all or nothing: there is no part of it to return.
    if (rc == SQLITE_INTERRUPT && budget.exhausted())
      return budget.exceeded("ask for a later --since");
    if (rc != SQLITE_DONE)
      return db_->error("measuring rule performance");
    return {};
  };
  auto count = [](const sqlite_statement& st, int col) {
    return static_cast<std::uint64_t>(st.int64(col));
  };
  // Keyed by (shadow, rule): live rules first when sorted on a tie.
  std::map<std::pair<bool, std::string>, protocol::rule_performance> rules;
  for (bool shadow : {false, true}) {
    std::string index = shadow ? "decision_shadow_rules" : "decision_rules";
    auto fired = "SELECT r.rule, count(*) FROM " + index
                 + " r JOIN decisions d ON d.id = r.decision_id WHERE "
                   "d.decided_at_ms >= ?1 AND d.id >= "
                 + first_id_since("?1") + " GROUP BY r.rule";
    if (auto err = run(fired, [&](const sqlite_statement& st) {
          auto& p = rules[{shadow, st.text(0)}];
          p.rule = st.text(0);
          p.shadow = shadow;
          p.fired = count(st, 1);
        }))
      return err;
  }
  // Driven by the outcomes (labels are far fewer than decisions): each
  // labelled decision's rules are read from its payload, since the rule
  // postings (schema 9) are indexed by rule, not by decision.
  auto labelled = "SELECT o.outcome, d.payload FROM outcomes o CROSS JOIN "
                  "decisions d ON d.id = decision_id_of(o.tx_id) WHERE "
                  "d.decided_at_ms >= ?";
  models::decision d;
  protocol::decision_envelope env;
  std::set<std::string> seen;  // a rule named twice in one decision counts once
  if (auto err = run(labelled, [&](const sqlite_statement& st) {
        auto blob = st.blob(1);
        if (!protocol::decode_decision(blob.data(), blob.size(), d, env).ok())
          return;  // the writer stores only decisions it decoded
        auto outcome = st.int64(0);
        for (bool shadow : {false, true}) {
          seen.clear();
          for (auto& r : shadow ? d.shadow_reasons : d.reasons) {
            if (!seen.insert(r.rule).second)
              continue;
            auto& p = rules[{shadow, r.rule}];
            p.rule = r.rule;
            p.shadow = shadow;
            p.fraud += outcome == 1;
            p.legit += outcome == 2;
          }
        }
      }))
    return err;
  if (auto err = run("SELECT count(*) FROM decisions WHERE decided_at_ms >= ?1 "
                     "AND id >= " + first_id_since("?1"),
                     [&](const sqlite_statement& st) {
                       out.decisions = count(st, 0);
                     }))
    return err;
  if (auto err = run(
        "SELECT count(CASE WHEN o.outcome = 1 THEN 1 END), count(CASE WHEN "
        "o.outcome = 2 THEN 1 END) FROM outcomes o CROSS JOIN decisions d ON "
        "d.id = decision_id_of(o.tx_id) WHERE d.decided_at_ms >= ?",
        [&](const sqlite_statement& st) {
          out.fraud = count(st, 0);
          out.legit = count(st, 1);
        }))
    return err;
  if (auto err = outside_labels(out.labelled, out.labelled_decided))
    return err;
  // A running rule that never fired is worth seeing: it catches nothing
  // (or its condition is wrong), and a rule to retire is what this report
  // is for.
  for (auto& r : running) {
    auto& p = rules[{r.shadow, r.name}];
    p.rule = r.name;
    p.shadow = r.shadow;
  }
  for (auto& [key, p] : rules)
    out.rules.push_back(std::move(p));
  protocol::complete_rule_figures(out.rules, out.fraud);
  return out;
}

} // namespace fraud::service
