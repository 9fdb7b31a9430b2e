// fraud-sim backtest --rules NEW --baseline OLD: both rulesets over one
// dataset, side by side, and the transactions whose decision changes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/rules/compiled_ruleset.hpp"
#include "simulator/backtest.hpp"
#include "simulator/backtest_compare.hpp"
#include "simulator/backtest_report.hpp"
#include "simulator/dataset_generator.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;

std::string small_dataset() {
  simulator::generator_options o;
  o.cards = 400;
  o.days = 6;
  o.seed = 5;
  o.fraud_rate = 0.1;
  std::ostringstream out;
  simulator::generation_summary s;
  std::string error;
  EXPECT_TRUE(simulator::generate_dataset(o, out, s, error)) << error;
  return out.str();
}

std::shared_ptr<const models::ruleset> compiled(const std::string& text,
                                                const std::string& name) {
  auto r = models::rules::make_compiled_ruleset(text, name, nullptr);
  if (!r) {
    ADD_FAILURE() << r.error().what();
    return nullptr;
  }
  return *r;
}

simulator::backtest_comparison compare(const std::string& data,
                                       const models::ruleset& baseline,
                                       const models::ruleset& candidate) {
  std::istringstream in{data};
  simulator::backtest_comparison c;
  std::string error;
  EXPECT_TRUE(simulator::backtest_compare(in, baseline, candidate, 5, c,
                                          error))
    << error;
  return c;
}

TEST(backtest_compare, the_same_rules_change_nothing) {
  auto data = small_dataset();
  auto text = std::string{models::rules::default_rules_text()};
  auto c = compare(data, *models::make_default_ruleset(),
                   *compiled(text, "default.rules"));
  EXPECT_GT(c.transactions, 1000u);
  EXPECT_EQ(c.changed, 0u);
  EXPECT_TRUE(c.changes.empty());
  EXPECT_EQ(c.baseline.fraud.declined, c.candidate.fraud.declined);
  EXPECT_EQ(c.baseline.legitimate.rules, c.candidate.legitimate.rules);
  EXPECT_DOUBLE_EQ(c.baseline.precision, c.candidate.precision);
  EXPECT_EQ(c.candidate_name, "default.rules");
  // and the baseline side is the plain backtest
  std::istringstream in{data};
  simulator::backtest_result r;
  std::string error;
  ASSERT_TRUE(simulator::backtest(in, r, error));
  EXPECT_EQ(r.detection.fraud.declined, c.baseline.fraud.declined);
  EXPECT_EQ(r.detection.legitimate.declined, c.baseline.legitimate.declined);
}

TEST(backtest_compare, lists_and_counts_the_decisions_that_change) {
  auto data = small_dataset();
  // declines every card-not-present payment over 100
  auto strict = compiled(std::string{models::rules::default_rules_text()}
                           + "rule online_big: decline when channel == ECOM "
                             "and amount > 100\n"
                             "score watch: shadow +10 when amount > 500\n",
                         "strict.rules");
  auto c = compare(data, *models::make_default_ruleset(), *strict);
  ASSERT_GT(c.changed, 0u);
  EXPECT_EQ(c.changes.size(), std::min<std::uint64_t>(c.changed, 5));
  // The first change is the new rule's doing; later ones may also come
  // from what the cards learnt differently (a decline teaches nothing).
  EXPECT_EQ(c.changes[0].candidate, models::action::decline);
  EXPECT_NE(c.changes[0].candidate_rules.find("online_big"),
            std::string::npos);
  for (auto& x : c.changes)
    EXPECT_NE(x.baseline, x.candidate) << x.tx_id;
  // the counts of what changed add up to the two sides' totals
  EXPECT_EQ(c.candidate.fraud.declined - c.baseline.fraud.declined,
            c.newly_declined_fraud - c.no_longer_declined_fraud);
  EXPECT_EQ(c.candidate.legitimate.declined - c.baseline.legitimate.declined,
            c.newly_declined_legit - c.no_longer_declined_legit);
  EXPECT_GE(c.changed, c.newly_declined_fraud + c.newly_declined_legit);
  EXPECT_GE(c.candidate.recall, c.baseline.recall);
  ASSERT_EQ(c.candidate_shadow.count("watch"), 1u);
  EXPECT_TRUE(c.baseline_shadow.empty());
  auto j = simulator::to_json("data", c);
  EXPECT_EQ(j["changed"], c.changed);
  EXPECT_EQ(j["changes"].size(), c.changes.size());
  EXPECT_TRUE(j["candidate"]["detection"]["rule_hits"].contains("online_big"));
}

TEST(backtest_compare, a_rule_file_that_does_not_compile_says_where) {
  test::temp_dir dir;
  auto path = dir.file("bad.rules");
  std::ofstream{path} << "rule a: review when\n  amount >> 3\n";
  std::string error;
  EXPECT_FALSE(simulator::load_rule_file(path, error));
  EXPECT_NE(error.find(path + ":2:11: error:"), std::string::npos) << error;
  EXPECT_FALSE(simulator::load_rule_file(dir.file("missing.rules"), error));
}

} // namespace
