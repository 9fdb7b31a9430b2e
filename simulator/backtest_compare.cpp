#include "simulator/backtest_compare.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "models/offline_scorer.hpp"
#include "models/rules/compiled_ruleset.hpp"

namespace fraud::simulator {

namespace {

// One ruleset's view of the dataset: its own card states and tally.
struct side {
  const models::ruleset& rules;
  models::offline_scorer scorer;
  models::evaluation scratch;
  detection_tally tally;
  std::map<std::string, shadow_hits>& shadow;

  models::decision score(const protocol::labeled_transaction& lt) {
    auto d = scorer.score(lt.tx, rules, scratch);
    std::uint32_t mask = 0;
    for (auto& r : d.reasons)
      mask |= tally.rule_bit(r.rule);
    for (auto& r : d.shadow_reasons)
      ++(lt.label == protocol::fraud_label::legitimate
           ? shadow[r.rule].legitimate
           : shadow[r.rule].fraud);
    tally.add(lt.label, lt.attack_id, d.action, mask, lt.tx.tx_id,
              lt.tx.card_id);
    return d;
  }
};

std::string rule_names(const models::decision& d) {
  std::string out;
  for (auto& r : d.reasons)
    out += (out.empty() ? "" : ",") + r.rule;
  return out;
}

void count_change(const models::decision& before,
                  const models::decision& after, bool fraud,
                  backtest_comparison& out) {
  bool was = before.action == models::action::decline;
  bool is = after.action == models::action::decline;
  if (is && !was)
    ++(fraud ? out.newly_declined_fraud : out.newly_declined_legit);
  if (was && !is)
    ++(fraud ? out.no_longer_declined_fraud : out.no_longer_declined_legit);
}

} // namespace

bool backtest_compare(std::istream& in, const models::ruleset& baseline,
                      const models::ruleset& candidate,
                      std::size_t max_changes, backtest_comparison& out,
                      std::string& error, const compared_decisions& each) {
  auto began = std::chrono::steady_clock::now();
  protocol::dataset_reader reader{in};
  if (!reader.read_header(out.header)) {
    error = reader.error();
    return false;
  }
  out.baseline_name = baseline.version();
  out.candidate_name = candidate.version();
  side old_side{baseline, {}, {}, {}, out.baseline_shadow};
  side new_side{candidate, {}, {}, {}, out.candidate_shadow};
  protocol::labeled_transaction lt;
  while (reader.next(lt)) {
    auto before = old_side.score(lt);
    auto after = new_side.score(lt);
    ++out.transactions;
    if (each)
      each(lt, before, after);
    if (before.action == after.action)
      continue;
    ++out.changed;
    count_change(before, after,
                 lt.label != protocol::fraud_label::legitimate, out);
    if (out.changes.size() < max_changes)
      out.changes.push_back(changed_decision{
        lt.tx.tx_id, lt.tx.card_id, lt.tx.event_time_ms, lt.label,
        before.action, after.action, before.score, after.score,
        rule_names(before), rule_names(after)});
  }
  if (!reader.error().empty()) {
    error = reader.error();
    return false;
  }
  out.baseline = old_side.tally.summarize();
  out.candidate = new_side.tally.summarize();
  out.seconds = std::chrono::duration<double>(
                  std::chrono::steady_clock::now() - began)
                  .count();
  return true;
}

std::shared_ptr<const models::ruleset>
load_rule_file(const std::string& path, std::string& error) {
  std::ifstream in{path};
  if (!in) {
    error = "cannot read " + path;
    return nullptr;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto name = path.substr(path.rfind('/') + 1);
  // Compiler-style "file:line:column: error: ..." lines, for editors.
  auto c = models::rules::compile(text.str());
  for (auto& e : c.errors)
    error += path + ":" + std::to_string(e.line) + ":"
             + std::to_string(e.column) + ": error: " + e.message + "\n";
  if (!c.program)
    return nullptr;
  return std::make_shared<models::rules::compiled_ruleset>(
    std::move(c.program), nullptr, std::move(name));
}

} // namespace fraud::simulator
