// The ingress thread owns its card directory and does what other threads
// ask of it between messages: with no traffic at all (nats.c calls it
// every idle_tick_ms), and while transactions flow. Real nats-server, real
// actor system; card actors run inline as in fraudd.
#include "service/ingress.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include "protocol/codec.hpp"
#include "protocol/partition.hpp"
#include "service/client/clock.hpp"
#include "service/client/nats_connection.hpp"
#include "tests/actors/runtime/threaded_cards.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passed; says which.
template <class Condition>
bool eventually(Condition done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class ingress_upkeep : public ::testing::Test, protected test::threaded_cards {
protected:
  ingress_upkeep() : nats(test::start_nats(dir.path())) {}

  void start(std::size_t sweep_slice = 32, int partition = -1,
             const std::atomic<std::int64_t>* serve_until = nullptr) {
    ASSERT_TRUE(nats);
    service::nats_options no;
    no.url = nats->url();
    no.name = "ingress-test";
    auto c = service::nats_connection::connect(no);
    ASSERT_TRUE(c) << to_string(c.error());
    conn = std::move(*c);
    service::ingress_options io;
    io.run_inline = true;
    io.limits.idle_ns = 60'000'000'000;  // swept only when the test asks
    io.idle_tick_ms = 5;
    io.sweep_slice = sweep_slice;
    if (partition >= 0) {
      io.subject = protocol::subjects::partition(
        static_cast<std::uint32_t>(partition));
      io.partition = partition;
      io.partitions = 64;
      io.serve_until_ns = serve_until;
    }
    io.bounds = bounds;
    in = std::make_unique<service::ingress>(*sys, env, conn->get(), stats,
                                            io);
    ASSERT_FALSE(in->start());
    ASSERT_EQ(conn->flush(2000), NATS_OK);
  }

  void publish(int card) {
    auto tx = test::sample_tx();
    tx.card_id = "card-" + std::to_string(card);
    std::string payload;
    protocol::encode_transaction(tx, payload);
    auto subject = protocol::subjects::tx_prefix + tx.card_id;
    ASSERT_EQ(natsConnection_Publish(conn->get(), subject.c_str(),
                                     payload.data(),
                                     static_cast<int>(payload.size())),
              NATS_OK);
  }

  // Publishes one transaction for each of `cards` cards and waits until
  // every one was scored.
  void activate(int cards) {
    auto want = stats.decided() + static_cast<std::uint64_t>(cards);
    for (int c = 0; c < cards; ++c)
      publish(c);
    ASSERT_EQ(conn->flush(2000), NATS_OK);
    ASSERT_TRUE(eventually([&] { return stats.decided() >= want; }))
      << stats.decided() << " of " << want << " decided";
  }

  service::backlog_bounds bounds;  // none unless a test sets them
  test::temp_dir dir;
  std::unique_ptr<service::embedded_nats> nats;
  std::unique_ptr<service::nats_connection> conn;
  std::unique_ptr<service::ingress> in;
};

// 500 idle cards, 7 a slice, and not one message after the request: the
// ingress thread sweeps them all on its idle ticks.
TEST_F(ingress_upkeep, a_sweep_progresses_without_traffic) {
  start(7);
  activate(500);
  EXPECT_EQ(in->cards().size(), 500u);
  auto routed = stats.routed.get();
  // As the sweeper thread asks, as of a minute from now: all are idle.
  in->cards().request_sweep(service::steady_ns() + 61'000'000'000);
  EXPECT_TRUE(eventually([&] { return in->cards().size() == 0; }))
    << in->cards().size() << " cards still active";
  EXPECT_EQ(stats.passivations.get(), 500u);
  EXPECT_EQ(stats.routed.get(), routed) << "no traffic meanwhile";
}

// The same while transactions stream in for other cards: the ingress
// thread takes its slices between them until every idle card is gone.
TEST_F(ingress_upkeep, a_sweep_progresses_while_transactions_flow) {
  start(7);
  activate(500);
  auto activated_ns = service::steady_ns();  // every use of the 500 before
  std::atomic<bool> stop{false};
  std::thread traffic{[&] {
    for (int i = 0; !stop.load(); ++i) {
      publish(1000 + i % 10);
      if (i % 10 == 9)
        std::this_thread::sleep_for(1ms);
    }
  }};
  ASSERT_TRUE(eventually([&] { return in->cards().size() == 510; }));
  // As of a minute after the 500 were used: they are idle, the ten cards
  // in use since are not.
  in->cards().request_sweep(activated_ns + 60'000'000'000);
  EXPECT_TRUE(eventually([&] { return in->cards().size() == 10; }))
    << in->cards().size() << " cards still active";
  stop = true;
  traffic.join();
  EXPECT_EQ(stats.passivations.get(), 500u);
}

TEST_F(ingress_upkeep, a_lookup_without_traffic_is_answered) {
  start();
  activate(3);
  auto found = in->cards().lookup("card-1", 1h);
  EXPECT_TRUE(found);
  EXPECT_FALSE(in->cards().lookup("card-7", 1h));
}

// A query thread looks cards up while transactions stream in.
TEST_F(ingress_upkeep, lookups_are_answered_while_transactions_flow) {
  start();
  activate(10);
  std::atomic<bool> stop{false};
  std::thread traffic{[&] {
    for (int i = 0; !stop.load(); ++i) {
      publish(i % 10);
      if (i % 100 == 99)
        std::this_thread::sleep_for(1ms);
    }
  }};
  int found = 0, not_found = 0;
  for (int i = 0; i < 50; ++i) {
    found += in->cards().lookup("card-" + std::to_string(i % 10), 1h) ? 1 : 0;
    not_found += in->cards().lookup("card-none", 1h) ? 0 : 1;
  }
  stop = true;
  traffic.join();
  EXPECT_EQ(found, 50);
  EXPECT_EQ(not_found, 50);
  EXPECT_GT(stats.routed.get(), 10u);
}

// After a drain no callback runs: lookups must not wait for one.
TEST_F(ingress_upkeep, after_a_drain_lookups_are_answered_at_once) {
  start();
  activate(1);
  ASSERT_FALSE(in->drain(2000));
  EXPECT_FALSE(in->cards().lookup("card-0", 1h));  // an hour if not
}

// Cluster mode: a partition's subscription scores only its own cards, and
// only while the lease deadline it was given lies ahead.
TEST_F(ingress_upkeep, a_partition_ingress_checks_the_card_and_the_lease) {
  std::atomic<std::int64_t> serve_until{service::steady_ns() + 3'600'000'000'000};
  start(32, 5, &serve_until);
  auto send = [&](const std::string& card) {
    auto tx = test::sample_tx();
    tx.card_id = card;
    std::string payload;
    protocol::encode_transaction(tx, payload);
    auto subject = "fraud.p.5." + card;
    ASSERT_EQ(natsConnection_Publish(conn->get(), subject.c_str(),
                                     payload.data(),
                                     static_cast<int>(payload.size())),
              NATS_OK);
    ASSERT_EQ(conn->flush(2000), NATS_OK);
  };
  std::string mine, other;
  for (int i = 0; mine.empty() || other.empty(); ++i) {
    auto card = "card-" + std::to_string(i);
    (protocol::partition_of(card, 64) == 5 ? mine : other) = card;
  }
  send(mine);
  ASSERT_TRUE(eventually([&] { return stats.decided() == 1; }));
  send(other);
  ASSERT_TRUE(eventually([&] { return stats.rejected_subject.get() == 1; }));
  // The lease's deadline passed: refused, for the requester to retry on
  // the partition's next owner.
  serve_until.store(service::steady_ns() - 1);
  send(mine);
  ASSERT_TRUE(eventually([&] { return stats.rejected_shutdown.get() == 1; }));
  EXPECT_EQ(stats.decided(), 1u);
}

// Queues each decision for a store that writes nothing (stalled).
class stalled_store_sink : public test::discarding_sink {
public:
  explicit stalled_store_sink(actors::store_queue& q) : queue(q) {}
  std::string_view deliver(const models::decision& d,
                           const actors::score_request&) override {
    stored = d.tx_id + ":" + std::string(100, 'd');
    if (!queue.push(stored))
      ++dropped;
    return stored;
  }
  actors::store_queue& queue;
  std::string stored;  // the ingress thread's: cards run inline
  int dropped = 0;
};

// With the store stalled, the decision queue fills to its bound and stops;
// the ingress answers the rest OVERLOADED, on the wire and in the counts,
// and drops nothing it decided.
TEST_F(ingress_upkeep, at_the_store_bound_transactions_are_answered_overloaded) {
  constexpr std::size_t bound = 8192;
  actors::store_queue queue{1'000'000,
                            service::backlog_bounds::hard_limit(bound)};
  stalled_store_sink stalled{queue};
  env.sink = &stalled;
  bounds.decisions = &queue;
  bounds.decision_bytes = bound;
  start();
  for (int c = 0; c < 300; ++c)
    publish(c);
  ASSERT_EQ(conn->flush(2000), NATS_OK);
  ASSERT_TRUE(eventually([&] {
    return stats.decided() + stats.rejected_overloaded.get() == 300;
  })) << stats.decided() << " decided, " << stats.rejected_overloaded.get()
      << " refused";
  EXPECT_GT(stats.decided(), 0u);
  EXPECT_GT(stats.rejected_overloaded.get(), 0u);
  EXPECT_GE(queue.bytes(), bound);
  EXPECT_LT(queue.bytes(), bound + 200) << "stopped at the bound";
  EXPECT_EQ(stalled.dropped, 0);
  EXPECT_EQ(queue.size(), stats.decided()) << "every decision kept";
  // A requester is told why, with the code to retry on.
  auto tx = test::sample_tx();
  tx.card_id = "card-late";
  std::string payload;
  protocol::encode_transaction(tx, payload);
  auto subject = protocol::subjects::tx_prefix + tx.card_id;
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsConnection_Request(&msg, conn->get(), subject.c_str(),
                                   payload.data(),
                                   static_cast<int>(payload.size()), 5000),
            NATS_OK);
  models::decision d;
  protocol::decision_envelope reply;
  auto decoded = protocol::decode_decision(natsMsg_GetData(msg),
                                           natsMsg_GetDataLength(msg), d,
                                           reply);
  natsMsg_Destroy(msg);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(reply.error.code(), ec::overloaded);
  EXPECT_NE(reply.error.what().find("--store-queue-mb"), std::string::npos);
  EXPECT_EQ(d.action, models::action::decline) << "never approved unscored";
  in.reset();
}

} // namespace
