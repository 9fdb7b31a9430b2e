// Detection quality from labels and decisions.
//
// The definitions (also in the report and the README):
// - a transaction is caught when its decision is DECLINE; REVIEW is counted
//   separately and is not a catch (the payment goes through);
// - recall of a typology: its transactions declined / its transactions;
// - precision: fraudulent transactions declined / all transactions declined;
// - false decline rate: legitimate transactions declined / all legitimate;
// - an attack is stopped when at least one of its transactions is declined;
// - recall from the third: the same over each attack's third and later
//   transactions, in the order they were scored.
// Only transactions that got a decision count; rejected and lost ones are
// reported with the replay counts instead.
//
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "models/decision.hpp"
#include "protocol/dataset.hpp"

namespace fraud::simulator {

struct label_result {
  std::string name;
  std::uint64_t count = 0;
  std::uint64_t declined = 0;
  std::uint64_t reviewed = 0;
  double recall = 0;           // declined / count
  /// The same counting each attack from its third transaction on (the
  /// issue's bar for sprees: a rule cannot know a spree before it begins).
  std::uint64_t from_third = 0;
  std::uint64_t from_third_declined = 0;
  double recall_from_third = 0;
  std::uint64_t attacks = 0;
  std::uint64_t attacks_stopped = 0;
  /// Rules that fired on these transactions, most hits first.
  std::vector<std::pair<std::string, std::uint64_t>> rules;
  /// One transaction to look up (fraudctl decision): the first declined,
  /// else the first seen.
  std::string example_tx_id;
  std::string example_card_id;
};

struct detection_summary {
  double precision = 0;
  double recall = 0;               // all fraud
  double false_decline_rate = 0;
  double review_rate_legit = 0;    // legitimate reviewed / legitimate
  label_result legitimate;
  label_result fraud;              // every typology together
  std::vector<label_result> typologies;  // in label order
};

class detection_tally {
public:
  static constexpr std::size_t max_rules = 32;

  /// The bit of a rule in rule masks; rules past max_rules share the last.
  std::uint32_t rule_bit(std::string_view rule);

  void add(protocol::fraud_label label, std::uint32_t attack_id,
           models::action action, std::uint32_t rule_mask,
           std::string_view tx_id = {}, std::string_view card_id = {});

  detection_summary summarize() const;

private:
  struct counts {
    std::uint64_t count = 0;
    std::uint64_t declined = 0;
    std::uint64_t reviewed = 0;
    std::array<std::uint64_t, max_rules> rule_hits{};
    std::unordered_set<std::uint32_t> attacks;
    std::unordered_set<std::uint32_t> stopped;
    std::unordered_map<std::uint32_t, std::uint32_t> seen;  // per attack
    std::uint64_t from_third = 0;
    std::uint64_t from_third_declined = 0;
    std::string example_tx_id;
    std::string example_card_id;
    bool example_declined = false;
  };

  label_result result(const counts& c, const char* name) const;

  std::vector<std::string> rules_;
  std::array<counts, protocol::fraud_label_count> by_label_;
};

} // namespace fraud::simulator
