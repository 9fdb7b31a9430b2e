// fraud-sim replay against a real nats-server and a real fraudd: every
// transaction is counted exactly once, and the decisions that come back
// over NATS score the labels exactly as the offline backtest does.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "models/rules/compiled_ruleset.hpp"
#include "simulator/backtest.hpp"
#include "simulator/backtest_compare.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/replay.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;

class replay_against_fraudd : public ::testing::Test {
protected:
  void SetUp() override {
    nats = test::start_nats(dir.path());
    ASSERT_TRUE(nats);
    simulator::generator_options o;
    o.cards = 300;
    o.days = 6;
    o.seed = 21;
    o.fraud_rate = 0.1;
    path = dir.file("dataset.bin");
    std::string error;
    {
      std::ofstream out{path, std::ios::binary};
      simulator::generation_summary s;
      ASSERT_TRUE(simulator::generate_dataset(o, out, s, error)) << error;
    }
    std::ifstream in{path, std::ios::binary};
    ASSERT_TRUE(txs.load(in, 0, error)) << error;
    ASSERT_GT(txs.size(), 1000u);
  }

  void start_fraudd(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--nats", nats->url(), "--db",
                                  dir.file("fraud.db")};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(fraudd.start(args)) << fraudd.output();
  }

  simulator::replay_options options(bool request_mode) const {
    simulator::replay_options o;
    o.nats_url = nats->url();
    o.rate_tps = 4000;
    o.request_mode = request_mode;
    return o;
  }

  struct outcome {
    simulator::replay_figures f;
    simulator::detection_summary d;
  };

  outcome run(const simulator::replay_options& o) {
    outcome out;
    std::string error;
    EXPECT_TRUE(simulator::replay(txs, o, out.f, out.d, error)) << error;
    return out;
  }

  simulator::detection_summary backtest() const {
    std::ifstream in{path, std::ios::binary};
    simulator::backtest_result r;
    std::string error;
    EXPECT_TRUE(simulator::backtest(in, r, error)) << error;
    return r.detection;
  }

  static void expect_same_detection(const simulator::detection_summary& a,
                                    const simulator::detection_summary& b) {
    EXPECT_EQ(a.legitimate.count, b.legitimate.count);
    EXPECT_EQ(a.legitimate.declined, b.legitimate.declined);
    EXPECT_EQ(a.legitimate.reviewed, b.legitimate.reviewed);
    ASSERT_EQ(a.typologies.size(), b.typologies.size());
    for (std::size_t i = 0; i < a.typologies.size(); ++i) {
      EXPECT_EQ(a.typologies[i].count, b.typologies[i].count)
        << a.typologies[i].name;
      EXPECT_EQ(a.typologies[i].declined, b.typologies[i].declined)
        << a.typologies[i].name;
      EXPECT_EQ(a.typologies[i].rules, b.typologies[i].rules)
        << a.typologies[i].name;
    }
    EXPECT_DOUBLE_EQ(a.precision, b.precision);
  }

  test::temp_dir dir;
  std::unique_ptr<service::embedded_nats> nats;
  test::fraudd_process fraudd;
  std::string path;
  simulator::replay_set txs;
};

TEST_F(replay_against_fraudd, request_mode_counts_exactly_and_scores_labels) {
  start_fraudd();
  auto [f, d] = run(options(true));
  EXPECT_EQ(f.sent, txs.size());
  EXPECT_EQ(f.sent, f.decided + f.rejected + f.lost);
  EXPECT_EQ(f.decided, txs.size());
  EXPECT_EQ(f.lost, 0u);
  EXPECT_EQ(f.duplicates, 0u);
  EXPECT_EQ(f.latency.count, f.decided);
  EXPECT_GT(f.latency.p50, 0);
  EXPECT_GT(f.service_latency.p50, 0);
  EXPECT_LE(f.latency.p50, f.latency.p99);
  // fraudd over NATS decides exactly as the models do offline
  expect_same_detection(d, backtest());
  EXPECT_GT(d.fraud.declined, 0u);
}

TEST_F(replay_against_fraudd, publish_mode_collects_the_published_decisions) {
  start_fraudd();
  auto [f, d] = run(options(false));
  EXPECT_EQ(f.sent, txs.size());
  EXPECT_EQ(f.decided, txs.size());
  EXPECT_EQ(f.lost, 0u);
  EXPECT_EQ(f.unmatched, 0u);
  expect_same_detection(d, backtest());
}

TEST_F(replay_against_fraudd, refused_input_is_counted_as_rejected) {
  // the card is read from the wrong subject token: every transaction's
  // subject disagrees with its card_id and is refused
  start_fraudd({"--card-token", "2"});
  for (bool request_mode : {true, false}) {
    auto [f, d] = run(options(request_mode));
    EXPECT_EQ(f.sent, txs.size()) << f.mode;
    EXPECT_EQ(f.rejected, txs.size()) << f.mode;
    EXPECT_EQ(f.decided + f.lost, 0u) << f.mode;
    EXPECT_EQ(d.legitimate.count + d.fraud.count, 0u) << f.mode;
  }
}

TEST_F(replay_against_fraudd, a_replay_survives_a_nats_server_restart) {
  // It used to give up at the first disconnect: everything after it lost.
  start_fraudd();
  auto o = options(true);
  o.rate_tps = 1000;  // about 3 s, of which the outage takes under one
  o.timeout_ms = 3000;
  outcome out;
  std::thread replaying{[&] { out = run(o); }};
  // The outage from this thread: the server dies with the thread that
  // started it (PR_SET_PDEATHSIG), and this one outlives the replay.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto port = nats->port();
  nats.reset();  // stops the server
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  service::embedded_nats_options no;
  no.binary = test::nats_server_binary();
  no.work_dir = dir.path();
  no.port = port;
  auto again = service::embedded_nats::start(no);
  ASSERT_TRUE(again) << to_string(again.error());
  nats = std::move(*again);
  replaying.join();
  auto& f = out.f;
  EXPECT_EQ(f.sent, txs.size());
  EXPECT_EQ(f.sent, f.decided + f.rejected + f.lost);
  EXPECT_GE(f.disconnects, 1u);
  // The outage is a fraction of the run; what was sent after it counts.
  EXPECT_GT(f.decided, txs.size() / 2) << "lost " << f.lost;
}

TEST_F(replay_against_fraudd, unanswered_transactions_are_lost_not_dropped) {
  // nothing listens on fraud.tx.*, and nothing is re-sent
  auto o = options(true);
  o.timeout_ms = 200;
  o.retry_for_ms = 0;
  auto [f, d] = run(o);
  EXPECT_EQ(f.sent, txs.size());
  EXPECT_EQ(f.lost, txs.size());
  EXPECT_EQ(f.decided + f.rejected, 0u);
  EXPECT_EQ(f.no_responders, txs.size());
  EXPECT_EQ(f.retries, 0u);
}

// Issue 14: while nobody answers for a card (a partition between owners,
// an instance restarting) a request gets "no responders" at once; the
// replay re-sends it until someone answers, so nothing is lost, and each
// transaction is counted once however many attempts it took.
TEST_F(replay_against_fraudd, a_responder_that_comes_late_loses_nothing) {
  auto o = options(true);
  o.rate_tps = 2000;
  outcome out;
  std::thread replaying{[&] { out = run(o); }};
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  start_fraudd();
  replaying.join();
  auto& f = out.f;
  EXPECT_EQ(f.sent, txs.size());
  EXPECT_EQ(f.lost, 0u);
  EXPECT_EQ(f.decided, txs.size());
  EXPECT_GT(f.no_responders, 0u);
  EXPECT_GT(f.retries, 0u);
  EXPECT_GT(f.answered_after_retry, 0u);
  EXPECT_EQ(f.answered_first + f.answered_after_retry, f.decided);
  // "no responders" means nobody got it: each was decided exactly once
  EXPECT_EQ(f.duplicates, 0u);
  EXPECT_EQ(f.decided_twice, 0u);
  EXPECT_EQ(out.d.legitimate.count + out.d.fraud.count, txs.size());
  EXPECT_GE(f.gaps.episodes, 1u);
  EXPECT_GT(f.gaps.max_ms, 0);
  ASSERT_FALSE(f.timeline.empty());
  EXPECT_GT(f.timeline[0].no_responders, 0u);
  std::uint64_t answered = 0, sent = 0;
  for (auto& second : f.timeline) {
    answered += second.answered;
    sent += second.sent;
  }
  EXPECT_EQ(answered, f.decided);
  EXPECT_EQ(sent, f.sent);
}

TEST_F(replay_against_fraudd, a_responder_killed_and_restarted_loses_nothing) {
  start_fraudd();
  auto o = options(true);
  o.rate_tps = 2000;
  o.timeout_ms = 500;  // a reply lost with the dead process: re-sent soon
  outcome out;
  std::thread replaying{[&] { out = run(o); }};
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  fraudd.stop(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  start_fraudd();  // the same decision store: re-sends it saw are duplicates
  replaying.join();
  auto& f = out.f;
  EXPECT_EQ(f.sent, txs.size());
  EXPECT_EQ(f.lost, 0u);
  EXPECT_EQ(f.decided, txs.size());
  EXPECT_GT(f.retries, 0u);
  EXPECT_GT(f.answered_after_retry, 0u);
  // however many answers a transaction got, it is scored once
  EXPECT_EQ(out.d.legitimate.count + out.d.fraud.count, txs.size());
  EXPECT_GE(f.gaps.episodes, 1u);
}

// A rule file run live (fraudd --rules) decides the dataset exactly as
// fraud-sim backtest --rules decides it offline, and the backtest's
// baseline side is the plain backtest (issue 5).
TEST_F(replay_against_fraudd, a_rule_file_backtests_as_it_replays) {
  auto rules_path = dir.file("stricter.rules");
  std::ofstream{rules_path}
    << "threshold review 30\nthreshold decline 45\n"
    << models::rules::default_rules_text()
         .substr(models::rules::default_rules_text().find("# A card cannot"))
    << "rule watch_online: shadow review when channel == ECOM and "
       "amount > 3 * avg_amount\n";
  start_fraudd({"--rules", rules_path});
  auto [f, d] = run(options(true));
  EXPECT_EQ(f.decided, txs.size());
  std::string error;
  auto candidate = simulator::load_rule_file(rules_path, error);
  ASSERT_TRUE(candidate) << error;
  std::ifstream in{path, std::ios::binary};
  simulator::backtest_comparison c;
  ASSERT_TRUE(simulator::backtest_compare(
    in, *models::make_default_ruleset(), *candidate, 10, c, error))
    << error;
  expect_same_detection(d, c.candidate);
  expect_same_detection(backtest(), c.baseline);
  EXPECT_GT(c.changed, 0u);
  EXPECT_GT(c.candidate.legitimate.declined + c.candidate.fraud.declined,
            c.baseline.legitimate.declined + c.baseline.fraud.declined);
  EXPECT_FALSE(c.candidate_shadow.empty());
}

TEST(replay, says_why_when_nats_is_not_there) {
  simulator::replay_set empty;
  simulator::replay_options o;
  o.nats_url = "nats://127.0.0.1:" + std::to_string(
                 service::free_loopback_port());
  simulator::replay_figures f;
  simulator::detection_summary d;
  std::string error;
  EXPECT_FALSE(simulator::replay(empty, o, f, d, error));
  EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
}

} // namespace
