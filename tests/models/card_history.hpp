// A card's life as the service lives it: each transaction scored against
// the card's state with the default ruleset, then applied to the state
// (models::score_and_apply), so that tests build history the way the card
// actor does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/card_state.hpp"
#include "models/decision.hpp"
#include "models/ruleset.hpp"
#include "models/scoring.hpp"
#include "tests/models/sample_transaction.hpp"

namespace fraud::test {

/// The reason `rule` gave in `d`, or null when it did not fire.
inline const models::reason* find_reason(const models::decision& d,
                                         const std::string& rule) {
  for (auto& r : d.reasons)
    if (r.rule == rule)
      return &r;
  return nullptr;
}

/// "rule (score), rule (score)": what fired, for failure messages.
inline std::string reasons_of(const models::decision& d) {
  std::string out;
  for (auto& r : d.reasons)
    out += (out.empty() ? "" : ", ") + r.rule + " ("
           + std::to_string(r.score) + ")";
  return out.empty() ? "no reasons" : out;
}

class card_history {
public:
  card_history() : rules_(models::make_default_ruleset()) {}

  /// A card scored by `rules`, which other cards may share.
  explicit card_history(std::shared_ptr<const models::ruleset> rules)
    : rules_(std::move(rules)) {}

  models::decision score(const models::transaction& tx) {
    return models::score_and_apply(state_, tx, *rules_, scratch_);
  }

  /// Scores a history that the rules must approve: what a rule is then
  /// tested against. A history that trips a rule is a broken test.
  void approve(const std::vector<models::transaction>& txs) {
    for (auto& tx : txs) {
      auto d = score(tx);
      EXPECT_EQ(d.action, models::action::approve)
        << "history transaction " << tx.tx_id << ": " << reasons_of(d);
    }
  }

  models::features features_for(const models::transaction& tx) const {
    return state_.features_for(tx);
  }

  const models::card_state& state() const { return state_; }
  const models::ruleset& rules() const { return *rules_; }

private:
  std::shared_ptr<const models::ruleset> rules_;
  models::card_state state_;
  models::evaluation scratch_;
};

/// Card-present payments of `amounts` in US dollars, an hour apart from
/// t0: an ordinary card's history, too slow for any velocity rule.
inline std::vector<models::transaction>
hourly_payments(const std::vector<double>& amounts) {
  std::vector<models::transaction> out;
  for (std::size_t i = 0; i < amounts.size(); ++i)
    out.push_back(sample_tx(t0_ms + static_cast<std::int64_t>(i) * hour_ms,
                            amounts[i]));
  return out;
}

/// `n` card-present payments of `amount`, an hour apart from t0.
inline std::vector<models::transaction> hourly_payments(int n,
                                                        double amount) {
  return hourly_payments(std::vector<double>(static_cast<std::size_t>(n),
                                             amount));
}

/// The time of the next payment after `n` hourly ones.
inline std::int64_t after_hourly(int n) { return t0_ms + n * hour_ms; }

} // namespace fraud::test
