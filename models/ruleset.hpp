// Rules turn features into a decision. A ruleset is immutable once built and
// shared by every card actor; replacing it means building a new one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/decision.hpp"
#include "models/features.hpp"

namespace fraud::models {

/// Score thresholds: score >= decline_at declines, >= review_at reviews.
struct thresholds {
  int review_at = 40;
  int decline_at = 75;
};

/// What the rules concluded for one transaction.
/// The reasons a decision keeps (and as many shadow reasons): rules that
/// fire beyond them still count, and one last reason, "more_reasons",
/// says how many were left out.
inline constexpr std::size_t max_reasons = 32;
struct evaluation {
  models::action action = action::approve;
  int score = 0;  // 0..100
  std::vector<reason> reasons;
  /// What rules marked `shadow` would have said; never changes the action.
  std::vector<reason> shadow_reasons;
  int omitted_reasons = 0;  // fired beyond max_reasons
  /// The model_score the rules saw; set by a ruleset that runs a model
  /// (models/model_score.hpp), left alone by the others.
  double model_score = 0;
};

/// A rule as decisions name it in their reasons (or shadow reasons).
struct rule_name {
  std::string name;
  bool shadow = false;
  bool operator==(const rule_name& o) const {
    return name == o.name && shadow == o.shadow;
  }
};

class ruleset {
public:
  virtual ~ruleset() = default;

  /// Names the ruleset in every decision it made, e.g. "default-1".
  virtual const std::string& version() const = 0;

  /// Names the trained model whose model_score the rules see ("model-3"),
  /// or "" when none runs.
  virtual const std::string& model_version() const;

  /// Every rule this ruleset can fire, live and shadow, in the order it
  /// evaluates them: what a report of rules lists, the ones that never
  /// fired included. Empty for a ruleset that cannot say (one written for
  /// a test). Not for the hot path: it builds the list.
  virtual std::vector<rule_name> rule_names() const;

  /// Evaluates every rule; `out` is overwritten. Thread-safe: const.
  virtual void evaluate(const features& f, evaluation& out) const = 0;
};

/// Adds a rule's contribution: score clamped to 0..100, reason recorded.
void add_score(evaluation& out, reason r);

/// Raises the action to at least `a` (hard actions never lower it).
void force_action(evaluation& out, action a, reason r);

/// The reason a decision gives when its amounts could not be converted
/// (features::currency_known is false): the rules on amounts were skipped.
/// Scores nothing: the transaction is neither approved on a wrong amount
/// nor declined for its currency.
reason unknown_currency_reason(const features& f);

/// Maps the final score to an action through the thresholds, keeping any
/// stronger action a hard rule already forced.
void settle(evaluation& out, const thresholds& t);

/// The built-in rules: impossible travel, card testing, new device or
/// country with an unusual amount, amount far above the profile, velocity.
std::shared_ptr<const ruleset> make_default_ruleset();

} // namespace fraud::models
