#include "service/queue_monitor.hpp"

#include <atomic>
#include <chrono>
#include <csignal>

#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "protocol/query_codec.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

// A monitor whose samples the test sets, sampled only when it says.
struct scripted {
  service::queue_sample next;
  service::queue_monitor monitor{[this] { return next; }, 1h, 250, false};
  std::chrono::steady_clock::time_point t =
    std::chrono::steady_clock::now();

  service::queue_status at(std::chrono::milliseconds later,
                           std::uint64_t pending, std::uint64_t taken) {
    t += later;
    next.pending_msgs = pending;
    next.pending_bytes = pending * 100;
    next.taken = taken;
    monitor.tick(t);
    return monitor.status();
  }
};

TEST(queue_monitor, estimates_the_wait_as_pending_over_rate) {
  scripted s;
  s.at(0ms, 0, 0);
  auto st = s.at(1000ms, 1000, 500);  // 500 a second, 1000 waiting
  EXPECT_EQ(st.pending_msgs, 1000u);
  EXPECT_EQ(st.pending_bytes, 100'000u);
  EXPECT_NEAR(st.delay_ms, 2000, 1);
  st = s.at(1000ms, 0, 2000);
  EXPECT_EQ(st.delay_ms, 0);
  EXPECT_NEAR(st.delay_max_ms, 2000, 1) << "the worst is kept";
  EXPECT_EQ(st.pending_max, 1000u);
}

TEST(queue_monitor, a_stalled_reader_waits_longer_every_sample) {
  scripted s;
  s.at(0ms, 0, 100);
  EXPECT_NEAR(s.at(500ms, 50, 100).delay_ms, 500, 1);
  EXPECT_NEAR(s.at(500ms, 80, 100).delay_ms, 1000, 1);
}

TEST(queue_monitor, a_late_sample_counts_the_time_nothing_ran) {
  service::queue_sample next;
  service::queue_monitor m{[&] { return next; }, 100ms, 250, false};
  auto t = std::chrono::steady_clock::now();
  m.tick(t);
  next.rtt_ms = 3;
  m.tick(t + 1000ms);  // due after 100 ms: 800 ms beyond twice the period
  EXPECT_NEAR(m.status().delay_ms, 803, 1);
}

// A fraudd stopped for a second while transactions keep coming: the wait
// shows in stats, where the in-service latency cannot show it.
class paused_fraudd : public test::fraudd_service {};

TEST_F(paused_fraudd, the_wait_before_fraudd_reads_shows_in_stats) {
  ASSERT_TRUE(score(test::card_tx("card-0", 0)).ok);
  ASSERT_EQ(::kill(fraudd.pid(), SIGSTOP), 0);
  std::string payload;
  for (int i = 0; i < 20'000; ++i) {
    auto tx = test::card_tx("card-" + std::to_string(i % 100), 1 + i / 100);
    protocol::encode_transaction(tx, payload);
    natsConnection_Publish(conn->get(), ("fraud.tx." + tx.card_id).c_str(),
                           payload.data(), static_cast<int>(payload.size()));
  }
  conn->flush(5000);
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(::kill(fraudd.pid(), SIGCONT), 0);
  // The monitor's sample after the pause (a PING whose PONG queues behind
  // the backlog) may end after the ingress, at a real-time priority, has
  // read everything: the wait shows within a sample, not before the last
  // transaction is read.
  protocol::stats_reply s;
  EXPECT_TRUE(test::eventually(
    [&] {
      s = ask<protocol::stats_reply>("fraud.stats", protocol::stats_query{});
      return s.received >= 20'001 && s.queue_delay_max_ms > 0;
    },
    10s));
  // The second fraudd did not run shows as a wait of about that long.
  EXPECT_GT(s.queue_delay_max_ms, 500);
  EXPECT_EQ(s.slow_consumer_events, 0u);
  EXPECT_NE(fraudd.output().find("transactions wait about"),
            std::string::npos)
    << fraudd.output();
}

} // namespace
