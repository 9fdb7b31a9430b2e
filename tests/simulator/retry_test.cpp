// How fraud-sim replay re-sends, and how it tells a failover: the retry
// policy, the per-second timeline, the failover gap, and the collector
// with the re-sending thread driven by hand (no NATS: what would be
// published is recorded, the answers are encoded decisions).
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <thread>

#include "protocol/codec.hpp"
#include "service/client/clock.hpp"
#include "simulator/answer_collector.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/failover_gap.hpp"
#include "simulator/request_retries.hpp"
#include "simulator/retry_policy.hpp"
#include "simulator/run_timeline.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using simulator::gap_episode;
using simulator::timeline_event;
using simulator::trouble_span;

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t s = 1'000'000'000;

TEST(retry_policy, backoff_doubles_up_to_the_cap) {
  simulator::retry_policy p;
  EXPECT_EQ(p.backoff(1), 5 * ms);
  EXPECT_EQ(p.backoff(2), 10 * ms);
  EXPECT_EQ(p.backoff(3), 20 * ms);
  EXPECT_EQ(p.backoff(5), 80 * ms);
  EXPECT_EQ(p.backoff(6), 100 * ms);
  EXPECT_EQ(p.backoff(1000), 100 * ms);
}

TEST(retry_policy, resends_only_within_the_budget_after_the_due_time) {
  simulator::retry_policy p;
  p.retry_for_ns = 10 * s;
  EXPECT_TRUE(p.may_resend(5 * s, 5 * s + 1));
  EXPECT_TRUE(p.may_resend(5 * s, 15 * s));
  EXPECT_FALSE(p.may_resend(5 * s, 15 * s + 1));
  EXPECT_EQ(p.answer_deadline(5 * s, 1 * s), 16 * s);
  p.retry_for_ns = 0;
  EXPECT_FALSE(p.may_resend(5 * s, 5 * s));
  EXPECT_EQ(p.answer_deadline(5 * s, 1 * s), 6 * s);
}

TEST(timeline, counts_each_event_in_its_second) {
  simulator::timeline_recorder t{100 * s, 10};
  t.add(timeline_event::sent, 100 * s);
  t.add(timeline_event::sent, 100 * s + 999 * ms);
  t.add(timeline_event::no_responder, 99 * s);      // before: second 0
  t.add(timeline_event::retry, 102 * s + 5 * ms);
  t.add(timeline_event::answered, 102 * s + 50 * ms);
  t.add(timeline_event::after_retry, 102 * s + 50 * ms);
  t.add(timeline_event::lost, 500 * s);             // past the end: last
  auto secs = t.seconds();
  ASSERT_EQ(secs.size(), 10u);
  EXPECT_EQ(secs[0].sent, 2u);
  EXPECT_EQ(secs[0].no_responders, 1u);
  EXPECT_EQ(secs[1], simulator::second_counts{});
  EXPECT_EQ(secs[2].retries, 1u);
  EXPECT_EQ(secs[2].answered, 1u);
  EXPECT_EQ(secs[2].after_retry, 1u);
  EXPECT_EQ(secs[9].lost, 1u);
}

TEST(timeline, ends_with_the_last_second_that_saw_anything) {
  simulator::timeline_recorder t{0, 100};
  EXPECT_TRUE(t.seconds().empty());
  t.add(timeline_event::timeout, 3 * s + 1);
  EXPECT_EQ(t.seconds().size(), 4u);
}

TEST(timeline, counts_exactly_from_many_threads) {
  simulator::timeline_recorder t{0, 4};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int i = 0; i < 10'000; ++i)
        t.add(timeline_event::answered, k * s);
    });
  for (auto& th : threads)
    th.join();
  for (auto& c : t.seconds())
    EXPECT_EQ(c.answered, 10'000u);
}

TEST(failover_gap, overlapping_spans_are_one_episode) {
  auto e = simulator::gap_episodes({
    {30 * s + 500 * ms, 33 * s, true},    // arrives out of order
    {30 * s, 31 * s, true},
    {32 * s, 34 * s, false},              // overlaps the first: same episode
    {34 * s, 34 * s + 100 * ms, true},    // touches it: same episode
    {50 * s, 50 * s + 200 * ms, true},    // a slow answer, alone
  });
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].from_ns, 30 * s);
  EXPECT_EQ(e[0].to_ns, 34 * s + 100 * ms);
  EXPECT_EQ(e[0].transactions, 4u);
  EXPECT_EQ(e[0].lost, 1u);
  EXPECT_EQ(e[1].from_ns, 50 * s);
  EXPECT_EQ(e[1].transactions, 1u);
  EXPECT_EQ(e[1].lost, 0u);
}

TEST(failover_gap, summary_gives_the_median_and_the_longest_episode) {
  std::vector<gap_episode> e{{10 * s, 10 * s + 100 * ms, 1, 0},
                             {20 * s, 23 * s + 500 * ms, 900, 2},
                             {40 * s, 40 * s + 300 * ms, 3, 0}};
  auto g = simulator::summarize_gaps(e, 5 * s);
  EXPECT_EQ(g.episodes, 3u);
  EXPECT_DOUBLE_EQ(g.p50_ms, 300);
  EXPECT_DOUBLE_EQ(g.max_ms, 3500);
  EXPECT_DOUBLE_EQ(g.total_ms, 3900);
  EXPECT_DOUBLE_EQ(g.longest_from_s, 15);
  EXPECT_DOUBLE_EQ(g.longest_to_s, 18.5);
  EXPECT_EQ(g.longest_transactions, 900u);
  EXPECT_EQ(g.longest_lost, 2u);
  auto none = simulator::summarize_gaps({}, 0);
  EXPECT_EQ(none.episodes, 0u);
  EXPECT_EQ(none.max_ms, 0);
}

// The collector and the re-sending thread, with what would go to NATS
// recorded instead of sent.
class resending : public ::testing::Test {
protected:
  void SetUp() override {
    simulator::generator_options o;
    o.cards = 20;
    o.days = 1;
    std::stringstream data;
    simulator::generation_summary summary;
    std::string error;
    ASSERT_TRUE(simulator::generate_dataset(o, data, summary, error)) << error;
    ASSERT_TRUE(txs.load(data, 4, error)) << error;
    ASSERT_EQ(txs.size(), 4u);
  }

  struct attempt {
    std::size_t i;
    std::uint32_t n;
  };

  // Starts the collector and the re-sending thread; a 10 s attempt
  // timeout unless a test wants timeouts.
  void start(std::int64_t timeout_ns = 10 * s,
             std::int64_t retry_for_ns = 30 * s) {
    policy.retry_for_ns = retry_for_ns;
    answers.emplace(txs, policy.answer_deadline(0, timeout_ns), false);
    answers->begin(service::steady_ns(), 60);
    retries.emplace(*answers, policy, timeout_ns, txs.size(),
                    [this](std::size_t i, std::uint32_t n) {
                      std::lock_guard<std::mutex> lock{mutex};
                      resent.push_back({i, n});
                    });
  }

  void send(std::size_t i) {
    answers->sent(i, service::steady_ns());
    retries->first_attempts_sent(i + 1);
  }

  std::size_t resends() {
    std::lock_guard<std::mutex> lock{mutex};
    return resent.size();
  }

  attempt resend(std::size_t k) {
    std::lock_guard<std::mutex> lock{mutex};
    return resent.at(k);
  }

  void answer(std::size_t i, models::action a, bool duplicate) {
    models::decision d;
    d.tx_id = std::string{txs.tx_id(i)};
    d.card_id = std::string{txs.card_id(i)};
    d.action = a;
    protocol::decision_envelope env;
    env.duplicate = duplicate;
    std::string bytes;
    protocol::encode_decision(d, env, bytes);
    answers->on_reply(i, bytes.data(), static_cast<int>(bytes.size()),
                      service::steady_ns());
  }

  simulator::replay_figures finish() {
    retries->stop();
    answers->close();
    simulator::replay_figures f;
    simulator::detection_summary d;
    answers->summarize(f, d);
    detection = d;
    return f;
  }

  simulator::replay_set txs;
  simulator::retry_policy policy;
  std::optional<simulator::answer_collector> answers;
  std::optional<simulator::request_retries> retries;
  std::mutex mutex;
  std::vector<attempt> resent;
  simulator::detection_summary detection;
};

TEST_F(resending, no_responders_sends_the_same_transaction_again) {
  start();
  send(0);
  auto now = service::steady_ns();
  answers->on_no_responders(0, now);
  retries->on_no_responders(0, 0, now);
  ASSERT_TRUE(test::eventually([&] { return resends() == 1; }));
  EXPECT_EQ(resend(0).i, 0u);
  EXPECT_EQ(resend(0).n, 1u);
  // the re-send is answered "no responders" too: a second re-send
  answers->on_no_responders(0, now);
  retries->on_no_responders(0, 1, service::steady_ns());
  ASSERT_TRUE(test::eventually([&] { return resends() == 2; }));
  EXPECT_EQ(resend(1).n, 2u);
  // a late "no responders" for the first attempt changes nothing
  retries->on_no_responders(0, 0, service::steady_ns());
  answer(0, models::action::approve, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(resends(), 2u);
  auto f = finish();
  EXPECT_EQ(f.sent, 1u);
  EXPECT_EQ(f.decided, 1u);
  EXPECT_EQ(f.answered_after_retry, 1u);
  EXPECT_EQ(f.answered_first, 0u);
  EXPECT_EQ(f.retries, 2u);
  EXPECT_EQ(f.no_responders, 2u);
  EXPECT_EQ(f.lost, 0u);
  EXPECT_EQ(f.gaps.episodes, 1u);
  ASSERT_FALSE(f.timeline.empty());
  EXPECT_EQ(f.timeline[0].retries, 2u);
  EXPECT_EQ(f.timeline[0].after_retry, 1u);
}

TEST_F(resending, a_timed_out_attempt_is_sent_again) {
  start(50 * ms);
  send(0);
  send(1);
  answer(1, models::action::approve, false);
  ASSERT_TRUE(test::eventually([&] { return resends() >= 1; }));
  EXPECT_EQ(resend(0).i, 0u);
  EXPECT_EQ(resend(0).n, 1u);
  // the re-send is answered with the first decision, flagged duplicate,
  // and the first attempt's answer turns up after all
  answer(0, models::action::decline, true);
  answer(0, models::action::decline, false);
  auto f = finish();
  EXPECT_EQ(f.sent, 2u);
  EXPECT_EQ(f.decided, 2u);
  EXPECT_GE(f.timeouts, 1u);
  EXPECT_EQ(f.answered_first, 1u);
  EXPECT_EQ(f.answered_after_retry, 1u);
  EXPECT_EQ(f.answered_duplicate, 1u);
  EXPECT_EQ(f.duplicates, 1u);
  EXPECT_EQ(f.decided_twice, 0u);
  EXPECT_EQ(f.conflicting, 0u);
  // counted once in detection
  EXPECT_EQ(detection.legitimate.count + detection.fraud.count, 2u);
}

TEST_F(resending, a_transaction_decided_twice_is_noticed) {
  start();
  send(0);
  answer(0, models::action::approve, false);
  answer(0, models::action::decline, false);  // decided afresh, otherwise
  answer(0, models::action::approve, true);   // a proper duplicate
  auto f = finish();
  EXPECT_EQ(f.decided, 1u);
  EXPECT_EQ(f.duplicates, 2u);
  EXPECT_EQ(f.decided_twice, 1u);
  EXPECT_EQ(f.conflicting, 1u);
  EXPECT_EQ(detection.legitimate.count + detection.fraud.count, 1u);
}

TEST_F(resending, gives_up_after_the_budget_and_counts_the_loss) {
  start(20 * ms, 100 * ms);
  send(0);
  // timeouts every 20 ms, re-sends until 100 ms after the due time
  ASSERT_TRUE(test::eventually([&] { return resends() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto given_up = resends();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(resends(), given_up);
  auto f = finish();
  EXPECT_EQ(f.decided, 0u);
  EXPECT_EQ(f.lost, 1u);
  EXPECT_EQ(f.retries, given_up);
  EXPECT_GE(f.timeouts, given_up);
  EXPECT_EQ(f.gaps.episodes, 1u);
  EXPECT_EQ(f.gaps.longest_lost, 1u);
  ASSERT_FALSE(f.timeline.empty());
  EXPECT_EQ(f.timeline[0].lost, 1u);
}

} // namespace
