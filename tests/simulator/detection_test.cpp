// How detection and latency are counted, and the quality bars of the
// default rules on the default scenario (scored offline, as one fraudd
// would score it).
#include <gtest/gtest.h>

#include <sstream>

#include "simulator/backtest.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/detection.hpp"
#include "simulator/latency_summary.hpp"

namespace {

using namespace fraud;
using models::action;
using protocol::fraud_label;

TEST(detection_tally, counts_per_transaction_with_decline_as_the_catch) {
  simulator::detection_tally t;
  auto travel = t.rule_bit("impossible_travel");
  auto spike = t.rule_bit("amount_spike");
  EXPECT_EQ(t.rule_bit("impossible_travel"), travel);
  for (int i = 0; i < 96; ++i)
    t.add(fraud_label::legitimate, 0, action::approve, 0);
  t.add(fraud_label::legitimate, 0, action::review, spike);
  t.add(fraud_label::legitimate, 0, action::decline, spike);
  t.add(fraud_label::impossible_travel, 7, action::decline, travel);
  t.add(fraud_label::impossible_travel, 7, action::approve, 0);
  t.add(fraud_label::impossible_travel, 8, action::review, travel | spike);
  auto s = t.summarize();
  EXPECT_EQ(s.legitimate.count, 98u);
  EXPECT_DOUBLE_EQ(s.false_decline_rate, 1.0 / 98);
  EXPECT_DOUBLE_EQ(s.review_rate_legit, 1.0 / 98);
  EXPECT_DOUBLE_EQ(s.precision, 0.5);  // one fraud and one legit declined
  auto& it = s.typologies[static_cast<std::size_t>(
                            fraud_label::impossible_travel) - 1];
  EXPECT_EQ(it.name, "impossible_travel");
  EXPECT_EQ(it.count, 3u);
  EXPECT_DOUBLE_EQ(it.recall, 1.0 / 3);  // a review is not a catch
  EXPECT_EQ(it.attacks, 2u);
  EXPECT_EQ(it.attacks_stopped, 1u);
  ASSERT_EQ(it.rules.size(), 2u);
  EXPECT_EQ(it.rules[0], (std::pair<std::string, std::uint64_t>{
                           "impossible_travel", 2}));
  EXPECT_DOUBLE_EQ(s.recall, 1.0 / 3);
}

TEST(latency_summary, nearest_rank_percentiles_in_microseconds) {
  std::vector<std::int64_t> ns;
  for (int i = 1000; i >= 1; --i)
    ns.push_back(i * 1000);  // 1..1000 us
  auto s = simulator::summarize_latency(ns);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.p50, 500);
  EXPECT_DOUBLE_EQ(s.p90, 900);
  EXPECT_DOUBLE_EQ(s.p99, 990);
  EXPECT_DOUBLE_EQ(s.p999, 999);
  EXPECT_DOUBLE_EQ(s.max, 1000);
  std::vector<std::int64_t> none;
  EXPECT_EQ(simulator::summarize_latency(none).count, 0u);
}

TEST(dataset_reader, refuses_what_is_not_a_dataset) {
  std::istringstream garbage{std::string("\x05hello world, not protobuf", 26)};
  protocol::dataset_reader r{garbage};
  protocol::dataset_header h;
  EXPECT_FALSE(r.read_header(h));
  EXPECT_NE(r.error(), "");
  std::istringstream empty{""};
  protocol::dataset_reader e{empty};
  EXPECT_FALSE(e.read_header(h));
}

// The quality bars, on the default scenario (10,000 cards, 14
// days), scored with the default rules exactly as fraudd scores them.
TEST(default_scenario, meets_the_detection_quality_bars) {
  simulator::generator_options o;  // the defaults: what make demo replays
  std::stringstream file;
  simulator::generation_summary gs;
  std::string error;
  ASSERT_TRUE(simulator::generate_dataset(o, file, gs, error)) << error;
  simulator::backtest_result r;
  ASSERT_TRUE(simulator::backtest(file, r, error)) << error;
  auto& d = r.detection;
  auto recall = [&](fraud_label l) {
    return d.typologies[static_cast<std::size_t>(l) - 1].recall;
  };
  EXPECT_GE(recall(fraud_label::impossible_travel), 0.95);
  EXPECT_GE(recall(fraud_label::card_testing), 0.95);
  EXPECT_GE(recall(fraud_label::account_takeover), 0.95);
  EXPECT_GE(d.precision, 0.9);
  EXPECT_LE(d.false_decline_rate, 0.001);
  // the legitimate traffic does hold the hard cases
  EXPECT_GT(d.legitimate.count, 150'000u);
  EXPECT_GT(d.legitimate.reviewed, 0u);
}

} // namespace
