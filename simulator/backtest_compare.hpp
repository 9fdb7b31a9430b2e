// fraud-sim backtest --rules NEW --baseline OLD: one pass over a labelled
// dataset in event-time order, scoring every transaction with both
// rulesets through the service's own models (models::score_and_apply),
// each with its own card states (what a card learns depends on what was
// approved). Detection for each, side by side, and the transactions whose
// decision would change.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/decision.hpp"
#include "models/ruleset.hpp"
#include "protocol/dataset.hpp"
#include "simulator/detection.hpp"

namespace fraud::simulator {

/// One transaction the two rulesets decide differently.
struct changed_decision {
  std::string tx_id;
  std::string card_id;
  std::int64_t event_time_ms = 0;
  protocol::fraud_label label = protocol::fraud_label::legitimate;
  models::action baseline = models::action::approve;
  models::action candidate = models::action::approve;
  int baseline_score = 0;
  int candidate_score = 0;
  std::string baseline_rules;   // "rule,rule" or ""
  std::string candidate_rules;
};

/// How often a shadow rule fired: on fraudulent and legitimate
/// transactions.
struct shadow_hits {
  std::uint64_t fraud = 0;
  std::uint64_t legitimate = 0;
};

struct backtest_comparison {
  protocol::dataset_header header;
  std::uint64_t transactions = 0;
  double seconds = 0;
  std::string baseline_name;
  std::string candidate_name;
  detection_summary baseline;
  detection_summary candidate;
  std::map<std::string, shadow_hits> baseline_shadow;  // by rule
  std::map<std::string, shadow_hits> candidate_shadow;
  std::uint64_t changed = 0;  // transactions whose action differs
  std::uint64_t newly_declined_fraud = 0;
  std::uint64_t newly_declined_legit = 0;
  std::uint64_t no_longer_declined_fraud = 0;
  std::uint64_t no_longer_declined_legit = 0;
  std::vector<changed_decision> changes;  // the first max_changes, in order
};

/// Called after each transaction with both decisions.
using compared_decisions =
  std::function<void(const protocol::labeled_transaction&,
                     const models::decision& baseline,
                     const models::decision& candidate)>;

/// False with `error` set when the input is not a readable dataset.
bool backtest_compare(std::istream& in, const models::ruleset& baseline,
                      const models::ruleset& candidate,
                      std::size_t max_changes, backtest_comparison& out,
                      std::string& error, const compared_decisions& each = {});

/// A rule file compiled for a backtest (its lists are empty), named after
/// the file; null with `error` saying FILE:line:column for each problem.
std::shared_ptr<const models::ruleset>
load_rule_file(const std::string& path, std::string& error);

} // namespace fraud::simulator
