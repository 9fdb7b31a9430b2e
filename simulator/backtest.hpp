// fraud-sim backtest: scores a dataset offline with the service's own
// models (models::score_and_apply, the default ruleset, one card_state per
// card) in event-time order, as a single fraudd would, without NATS. The
// quick way to see what a rule change does to detection.
#pragma once

#include <iosfwd>
#include <string>

#include "models/ruleset.hpp"
#include "protocol/dataset.hpp"
#include "simulator/detection.hpp"

namespace fraud::simulator {

struct backtest_result {
  protocol::dataset_header header;
  std::uint64_t transactions = 0;
  double seconds = 0;
  detection_summary detection;
};

/// False with `error` set when the input is not a readable dataset.
bool backtest(std::istream& in, backtest_result& out, std::string& error);

/// The same with `rules` (a rule file compiled, say) instead of the
/// default ruleset. Two rulesets side by side: simulator/backtest_compare.
bool backtest(std::istream& in, const models::ruleset& rules,
              backtest_result& out, std::string& error);

} // namespace fraud::simulator
