// A model's precision-recall curve over a labelled dataset, where it
// declines a transaction when its score is at least a threshold; the
// threshold that catches the most fraud within a false decline budget;
// and the curve drawn as an SVG picture (hand-written: no dependency).
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fraud::simulator {

/// One transaction as the curve sees it.
struct scored_transaction {
  float score = 0;             // the model's, 0-1
  bool fraud = false;
  bool rules_declined = false;  // by the ruleset alone
};

/// Declining every transaction scored at least `threshold`.
struct curve_point {
  float threshold = 0;
  std::uint64_t fraud_declined = 0;
  std::uint64_t legit_declined = 0;
  double recall = 0;
  double precision = 0;
  double false_decline_rate = 0;
};

/// The threshold with the highest recall whose false decline rate is
/// within the budget; `found` false when not even the highest score is.
struct operating_point {
  bool found = false;
  curve_point at;
};

struct pr_curve {
  std::uint64_t fraud = 0;
  std::uint64_t legitimate = 0;
  /// Every distinct score, highest first.
  std::vector<curve_point> points;
  /// Average precision: the area under the curve, as a step function.
  double average_precision = 0;
  /// The model alone.
  operating_point model_alone;
  /// The ruleset's declines plus every transaction the model scores at
  /// least the threshold: a rule `model_score >= T` beside the rules.
  operating_point with_rules;
  curve_point rules_alone;  // threshold 0 here
};

/// `budget`: the false decline rate allowed, e.g. 0.0005 (0.05 %).
pr_curve make_pr_curve(std::vector<scored_transaction> txs, double budget);

/// At most `max_points` points of `c` spread along the curve (the first,
/// the last and the operating points among them), for a picture or JSON.
std::vector<curve_point> thinned(const pr_curve& c, std::size_t max_points);

/// The curve as a standalone SVG document: precision against recall, the
/// operating points marked, the rules alone as a point; `title` and
/// `subtitle` are escaped.
std::string pr_curve_svg(const pr_curve& c, const std::string& title,
                         const std::string& subtitle, double budget);

} // namespace fraud::simulator
