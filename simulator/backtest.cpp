#include "simulator/backtest.hpp"

#include <chrono>
#include <unordered_map>

#include "models/ruleset.hpp"
#include "models/offline_scorer.hpp"

namespace fraud::simulator {

bool backtest(std::istream& in, backtest_result& out, std::string& error) {
  return backtest(in, *models::make_default_ruleset(), out, error);
}

bool backtest(std::istream& in, const models::ruleset& rules,
              backtest_result& out, std::string& error) {
  auto began = std::chrono::steady_clock::now();
  protocol::dataset_reader reader{in};
  if (!reader.read_header(out.header)) {
    error = reader.error();
    return false;
  }
  models::offline_scorer scorer;
  models::evaluation scratch;
  detection_tally tally;
  protocol::labeled_transaction lt;
  while (reader.next(lt)) {
    auto d = scorer.score(lt.tx, rules, scratch);
    std::uint32_t mask = 0;
    for (auto& r : d.reasons)
      mask |= tally.rule_bit(r.rule);
    tally.add(lt.label, lt.attack_id, d.action, mask, lt.tx.tx_id,
              lt.tx.card_id);
    ++out.transactions;
  }
  if (!reader.error().empty()) {
    error = reader.error();
    return false;
  }
  out.detection = tally.summarize();
  out.seconds = std::chrono::duration<double>(
                  std::chrono::steady_clock::now() - began)
                  .count();
  return true;
}

} // namespace fraud::simulator
