#include "simulator/detection.hpp"

#include <algorithm>

namespace fraud::simulator {

namespace {

double ratio(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

} // namespace

std::uint32_t detection_tally::rule_bit(std::string_view rule) {
  for (std::size_t i = 0; i < rules_.size(); ++i)
    if (rules_[i] == rule)
      return 1u << i;
  if (rules_.size() < max_rules)
    rules_.emplace_back(rule);
  return 1u << (rules_.size() - 1);
}

void detection_tally::add(protocol::fraud_label label,
                          std::uint32_t attack_id, models::action action,
                          std::uint32_t rule_mask, std::string_view tx_id,
                          std::string_view card_id) {
  auto& c = by_label_[static_cast<std::size_t>(label)];
  ++c.count;
  bool declined = action == models::action::decline;
  if (c.example_tx_id.empty() || (declined && !c.example_declined)) {
    c.example_tx_id = tx_id;
    c.example_card_id = card_id;
    c.example_declined = declined;
  }
  if (action == models::action::decline)
    ++c.declined;
  else if (action == models::action::review)
    ++c.reviewed;
  for (std::size_t i = 0; i < max_rules; ++i)
    if (rule_mask & (1u << i))
      ++c.rule_hits[i];
  if (attack_id != 0) {
    c.attacks.insert(attack_id);
    if (action == models::action::decline)
      c.stopped.insert(attack_id);
    if (++c.seen[attack_id] >= 3) {
      ++c.from_third;
      if (declined)
        ++c.from_third_declined;
    }
  }
}

label_result detection_tally::result(const counts& c, const char* name) const {
  label_result r;
  r.name = name;
  r.count = c.count;
  r.declined = c.declined;
  r.reviewed = c.reviewed;
  r.recall = ratio(c.declined, c.count);
  r.from_third = c.from_third;
  r.from_third_declined = c.from_third_declined;
  r.recall_from_third = ratio(c.from_third_declined, c.from_third);
  r.attacks = c.attacks.size();
  r.attacks_stopped = c.stopped.size();
  r.example_tx_id = c.example_tx_id;
  r.example_card_id = c.example_card_id;
  for (std::size_t i = 0; i < rules_.size(); ++i)
    if (c.rule_hits[i] > 0)
      r.rules.emplace_back(rules_[i], c.rule_hits[i]);
  std::stable_sort(r.rules.begin(), r.rules.end(),
                   [](auto& a, auto& b) { return a.second > b.second; });
  return r;
}

detection_summary detection_tally::summarize() const {
  detection_summary s;
  s.legitimate = result(by_label_[0], "legitimate");
  counts fraud;
  for (std::size_t l = 1; l < protocol::fraud_label_count; ++l) {
    auto& c = by_label_[l];
    s.typologies.push_back(
      result(c, protocol::to_string(static_cast<protocol::fraud_label>(l))));
    fraud.count += c.count;
    fraud.declined += c.declined;
    fraud.reviewed += c.reviewed;
    for (std::size_t i = 0; i < max_rules; ++i)
      fraud.rule_hits[i] += c.rule_hits[i];
    fraud.attacks.insert(c.attacks.begin(), c.attacks.end());
    fraud.stopped.insert(c.stopped.begin(), c.stopped.end());
    fraud.from_third += c.from_third;
    fraud.from_third_declined += c.from_third_declined;
  }
  s.fraud = result(fraud, "fraud");
  s.recall = s.fraud.recall;
  s.precision = ratio(fraud.declined, fraud.declined + s.legitimate.declined);
  s.false_decline_rate = ratio(s.legitimate.declined, s.legitimate.count);
  s.review_rate_legit = ratio(s.legitimate.reviewed, s.legitimate.count);
  return s;
}

} // namespace fraud::simulator
