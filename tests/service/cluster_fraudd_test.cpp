// Issue 14 at the level a user sees it: real fraudd processes in cluster
// mode (--cluster) on a real three-server nats-server cluster with the
// shipped configuration, an authoriser sending fraud.tx.<card> and
// retrying as fraud-sim replay does (the same transaction again after "no
// responders", a timeout or SHUTTING_DOWN). Every card is answered by
// whichever instance holds its partition; a killed instance's partitions
// are answered again once its leases expire; a rolling restart loses
// nothing; one nats-server of three may stop.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "protocol/cluster_codec.hpp"
#include "protocol/codec.hpp"
#include "protocol/entity_codec.hpp"
#include "protocol/partition.hpp"
#include "service/client/clock.hpp"
#include "service/client/gather.hpp"
#include "service/client/nats_connection.hpp"
#include "service/client/nkey.hpp"
#include "service/kv_bucket.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/models/constant_model.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/http_scrape.hpp"
#include "tests/support/cluster_suite.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

struct outcome {
  bool answered = false;
  models::decision decision;
  protocol::decision_envelope env;
  int attempts = 0;
  std::string last_problem;
};

// The same transaction until an instance decides it, for at most `patience`:
// what a retrying authoriser does across a handover or a failover.
outcome score_retrying(natsConnection* conn, const models::transaction& tx,
                       std::chrono::milliseconds patience = 30s) {
  outcome out;
  std::string payload;
  protocol::encode_transaction(tx, payload);
  auto subject = "fraud.tx." + tx.card_id;
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    ++out.attempts;
    natsMsg* msg = nullptr;
    auto s = natsConnection_Request(&msg, conn, subject.c_str(), payload.data(),
                                    static_cast<int>(payload.size()), 2000);
    if (s == NATS_OK) {
      auto err = protocol::decode_decision(natsMsg_GetData(msg),
                                           natsMsg_GetDataLength(msg),
                                           out.decision, out.env);
      natsMsg_Destroy(msg);
      if (err) {
        out.last_problem = to_string(err);
        return out;  // not a decision at all: the test fails on it
      }
      if (!out.env.error) {
        out.answered = true;
        return out;
      }
      out.last_problem = to_string(out.env.error);
      if (out.env.error.code() != ec::shutting_down
          && out.env.error.code() != ec::store_error)
        return out;
    } else {
      out.last_problem = service::describe(s);
    }
    std::this_thread::sleep_for(20ms);
  }
  return out;
}

class cluster_fraudd : public test::cluster_suite {
protected:

  void SetUp() override {
    cluster_suite::SetUp();
    if (HasFatalFailure())
      return;
    // Each test its own buckets: the cluster outlives the tests.
    static int run = 0;
    suffix = "-" + std::to_string(++run);
    authoriser = connect_as("authoriser", nats->urls());
    ASSERT_TRUE(authoriser);
  }

  void TearDown() override {
    for (auto& [id, f] : instances)
      if (f)
        f->stop(SIGTERM);
  }

  // The analyst's key (the cluster's analyst user) as fraudd trusts it.
  std::string analyst_keys() const {
    auto path = local.file("analysts");
    auto seed = service::nkey::read_seed_file(nats->seed_file("analyst"));
    EXPECT_TRUE(seed);
    auto key = service::nkey::public_key(*seed);
    EXPECT_TRUE(key);
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fprintf(f, "analyst %s\n", key->c_str());
    std::fclose(f);
    return path;
  }

  // fraudctl as one of the cluster's roles: its output, `rc` its exit code.
  std::string ctl(const std::string& args, int& rc,
                  const std::string& role = "analyst") const {
    std::string out;
    rc = test::run_command(
      test::fraudctl_binary() + " --nats " + nats->urls() + " --nats-nkey "
        + nats->seed_file(role) + " --nats-inbox-prefix _INBOX." + role + " "
        + args + " 2>&1",
      out);
    return out;
  }

  std::vector<std::string> args(const std::string& id) const {
    return {"--analyst-keys", analyst_keys(),"--nats", nats->urls(), "--nats-nkey", nats->seed_file("scorer"),
            "--nats-inbox-prefix", "_INBOX.scorer", "--cluster",
            "--instance-id", id, "--db", local.file(id + ".db"),
            "--lease-ttl-ms", "2000", "--lease-bucket", "leases" + suffix,
            "--card-bucket", "cards" + suffix, "--rules-bucket",
            "rules" + suffix, "--drain-timeout-ms", "2000",
            "--snapshot-interval-ms", "100"};
  }

  void start(const std::string& id, int metrics_port = 0) {
    auto a = args(id);
    if (metrics_port > 0)
      a.insert(a.end(), {"--metrics-port", std::to_string(metrics_port)});
    auto f = std::make_unique<test::fraudd_process>();
    ASSERT_TRUE(f->start(a, 30000)) << id << ":\n" << f->output();
    instances[id] = std::move(f);
  }

  // A transaction of `card` at now (event time), with a fresh id.
  static models::transaction tx_of(const std::string& card) {
    auto tx = test::sample_tx(service::wall_ms());
    tx.card_id = card;
    tx.account_id = "acct-" + card;
    static std::atomic<int> next{0};
    tx.tx_id = "ctx-" + std::to_string(service::wall_ms()) + "-"
               + std::to_string(++next);
    return tx;
  }

  // Cards covering every one of the 64 partitions.
  static std::vector<std::string> cards_in_every_partition() {
    std::map<std::uint32_t, std::string> by_partition;
    for (int i = 0; by_partition.size() < 64; ++i) {
      auto card = "card-" + std::to_string(i);
      by_partition.emplace(protocol::partition_of(card, 64), card);
    }
    std::vector<std::string> cards;
    for (auto& [p, c] : by_partition)
      cards.push_back(c);
    return cards;
  }

  // Every card answered (retrying); a failure names the first that was not.
  void expect_every_card_answered(const std::vector<std::string>& cards) {
    for (auto& card : cards) {
      auto o = score_retrying(authoriser->get(), tx_of(card));
      ASSERT_TRUE(o.answered)
        << card << " (partition " << protocol::partition_of(card, 64)
        << ") not answered after " << o.attempts << " attempts: "
        << o.last_problem << "\n" << outputs();
    }
  }

  // Who holds each partition, as the instances' answers to
  // fraud.query.cluster say (a partition nobody holds is missing).
  std::map<std::uint32_t, std::string> owners() {
    std::map<std::uint32_t, std::string> out;
    auto viewer = connect_as("viewer", nats->urls());
    if (!viewer)
      return out;
    service::gather_options go;
    go.min_instances = static_cast<std::uint32_t>(instances.size());
    auto got = service::gather(*viewer, protocol::cluster_subject, "", go);
    if (!got)
      return out;
    for (auto& r : got->replies) {
      protocol::cluster_view v;
      if (protocol::decode(r.bytes.data(), r.bytes.size(), v))
        continue;
      for (auto owned : v.owned)
        out[owned] = v.instance;
    }
    return out;
  }

  // The instance that holds partition p; "" when none does.
  std::string owner_of(std::uint32_t p) {
    auto all = owners();
    auto i = all.find(p);
    return i == all.end() ? std::string{} : i->second;
  }

  std::string outputs() const {
    std::string all;
    for (auto& [id, f] : instances)
      if (f)
        all += "--- " + id + ":\n" + f->output().substr(
          f->output().size() > 4000 ? f->output().size() - 4000 : 0);
    return all;
  }

  test::temp_dir local;
  std::string suffix;
  std::unique_ptr<service::nats_connection> authoriser;
  std::map<std::string, std::unique_ptr<test::fraudd_process>> instances;
};


TEST_F(cluster_fraudd, every_card_is_answered_and_a_killed_instance_is_taken_over) {
  start("f1");
  start("f2");
  start("f3");
  auto cards = cards_in_every_partition();
  expect_every_card_answered(cards);
  // fraudctl cluster: three instances, every partition owned by one.
  int rc = 0;
  auto view = ctl("cluster", rc, "viewer");
  EXPECT_EQ(rc, 0) << view;
  EXPECT_NE(view.find("3 instances answered; 64 of 64 partitions owned"),
            std::string::npos)
    << view;
  // A card whose partition is not the one it is sent to is refused: an
  // authoriser may publish to fraud.p.*.* directly.
  {
    auto tx = tx_of("card-0");
    auto wrong = (protocol::partition_of("card-0", 64) + 1) % 64;
    std::string payload;
    protocol::encode_transaction(tx, payload);
    auto subject = "fraud.p." + std::to_string(wrong) + ".card-0";
    natsMsg* msg = nullptr;
    ASSERT_TRUE(test::eventually(
      [&] {
        return natsConnection_Request(&msg, authoriser->get(), subject.c_str(),
                                      payload.data(),
                                      static_cast<int>(payload.size()), 2000)
               == NATS_OK;
      },
      20s));
    models::decision d;
    protocol::decision_envelope env;
    ASSERT_TRUE(protocol::decode_decision(natsMsg_GetData(msg),
                                          natsMsg_GetDataLength(msg), d, env)
                  .ok());
    natsMsg_Destroy(msg);
    EXPECT_EQ(env.error.code(), ec::subject_mismatch) << to_string(env.error);
  }
  instances["f2"]->stop(SIGKILL);
  instances.erase("f2");
  // Its partitions wait for its leases to expire, then f1 and f3 answer.
  expect_every_card_answered(cards);
  auto out = instances["f1"]->output() + instances["f3"]->output();
  EXPECT_NE(out.find("owned"), std::string::npos);
}

TEST_F(cluster_fraudd, a_rolling_restart_under_load_loses_nothing) {
  start("r1");
  start("r2");
  start("r3");
  auto cards = cards_in_every_partition();
  expect_every_card_answered(cards);
  std::atomic<bool> done{false};
  std::atomic<int> sent{0}, answered{0}, lost{0};
  std::vector<std::string> problems;
  std::mutex problems_mtx;
  std::thread load{[&] {
    for (std::size_t i = 0; !done.load(); ++i) {
      auto o = score_retrying(authoriser->get(),
                              tx_of(cards[i % cards.size()]));
      ++sent;
      if (o.answered) {
        ++answered;
      } else {
        ++lost;
        std::lock_guard<std::mutex> guard{problems_mtx};
        problems.push_back(o.last_problem);
      }
      std::this_thread::sleep_for(5ms);
    }
  }};
  for (auto id : {"r1", "r2", "r3"}) {
    EXPECT_EQ(instances[id]->stop(SIGTERM), 0) << instances[id]->output();
    instances.erase(id);
    std::this_thread::sleep_for(1s);
    start(id);
    std::this_thread::sleep_for(2s);
  }
  done = true;
  load.join();
  EXPECT_GT(sent.load(), 100);
  EXPECT_EQ(lost.load(), 0) << (problems.empty() ? "" : problems.front())
                            << "\n" << outputs();
  EXPECT_EQ(answered.load(), sent.load());
}

TEST_F(cluster_fraudd, scoring_goes_on_when_one_nats_server_stops) {
  start("s1");
  start("s2");
  auto cards = cards_in_every_partition();
  expect_every_card_answered(cards);
  nats->kill(2);
  expect_every_card_answered(cards);
  ASSERT_FALSE(nats->restart(2));
  expect_every_card_answered(cards);
}

// The cards' state moves with their partition: after kill -9 of the
// instance that scored a card in New York, the instance that takes the
// partition over knows it (impossible travel to London ten minutes later
// is caught), and answers a re-send of the first transaction as a
// duplicate with its first decision, though that decision is in the dead
// instance's store.
TEST_F(cluster_fraudd, a_failover_keeps_the_cards_state_and_its_resends) {
  start("k1");
  start("k2");
  expect_every_card_answered(cards_in_every_partition());
  const std::string card = "traveller-1";
  auto ny = test::card_tx(card, 0, "trip-ny");
  auto first = score_retrying(authoriser->get(), ny);
  ASSERT_TRUE(first.answered) << first.last_problem;
  auto owner = owner_of(protocol::partition_of(card, 64));
  ASSERT_FALSE(owner.empty()) << outputs();
  // Written to the card bucket (--snapshot-interval-ms 100).
  {
    auto scorer = connect_as("scorer", nats->urls());
    ASSERT_TRUE(scorer);
    service::kv_bucket_options bo;
    bo.name = "cards" + suffix;
    auto bucket = service::kv_bucket::open(scorer->get(), bo);
    ASSERT_TRUE(bucket) << to_string(bucket.error());
    ASSERT_TRUE(test::eventually([&] { return bool((*bucket)->get(card)); },
                                 10s));
  }
  instances[owner]->stop(SIGKILL);
  instances.erase(owner);
  auto again = score_retrying(authoriser->get(), ny);
  ASSERT_TRUE(again.answered) << again.last_problem << "\n" << outputs();
  EXPECT_TRUE(again.env.duplicate);
  EXPECT_EQ(again.env.decided_at_ms, first.env.decided_at_ms);
  EXPECT_EQ(again.decision.action, first.decision.action);
  auto london = test::in_country(
    test::located(test::card_tx(card, 10, "trip-london"), test::london), "GB");
  auto r = score_retrying(authoriser->get(), london);
  ASSERT_TRUE(r.answered) << r.last_problem;
  EXPECT_EQ(r.decision.action, models::action::decline);
  ASSERT_FALSE(r.decision.reasons.empty());
  EXPECT_EQ(r.decision.reasons[0].rule, "impossible_travel");
}

// One source of truth for the rules: a change made through whichever
// instance takes the request runs on every instance, with one version
// number, and an instance started later runs it too.
TEST_F(cluster_fraudd, a_rules_change_reaches_every_instance) {
  start("q1");
  start("q2");
  expect_every_card_answered(cards_in_every_partition());
  auto file = local.file("stricter.rules");
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fprintf(f, "rule big: decline when amount > 10000 say \"big\"\n");
    std::fclose(f);
  }
  int rc = 0;
  auto out = ctl("rules set " + file + " --author alice --reason cluster", rc);
  ASSERT_EQ(rc, 0) << out << "\n" << outputs();
  start("q3");
  // Every card, whichever instance holds it, is scored by the new rules.
  for (auto& card : cards_in_every_partition()) {
    auto tx = tx_of(card);
    tx.amount_minor = 2'000'000;  // 20,000 USD
    auto o = score_retrying(authoriser->get(), tx);
    ASSERT_TRUE(o.answered) << o.last_problem;
    ASSERT_FALSE(o.decision.reasons.empty()) << card;
    EXPECT_EQ(o.decision.reasons[0].rule, "big") << card;
    EXPECT_EQ(o.decision.ruleset_version, "rules-2") << card;
  }
}

// One source of truth for the model too: a model set through whichever
// instance takes the request runs on every instance under one version,
// and an instance started later runs it too; each decision names it.
TEST_F(cluster_fraudd, a_model_change_reaches_every_instance) {
  start("m1");
  start("m2");
  expect_every_card_answered(cards_in_every_partition());
  auto file = local.file("constant.json");
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs(models::test::constant_model(2.0f).c_str(), f);
    std::fclose(f);
  }
  int rc = 0;
  auto out = ctl("model set " + file + " --author alice --reason cluster", rc);
  ASSERT_EQ(rc, 0) << out << "\n" << outputs();
  EXPECT_NE(out.find("model-1 running"), std::string::npos) << out;
  start("m3");
  for (auto& card : cards_in_every_partition()) {
    auto o = score_retrying(authoriser->get(), tx_of(card));
    ASSERT_TRUE(o.answered) << o.last_problem;
    EXPECT_EQ(o.decision.model_version, "model-1") << card;
    EXPECT_NEAR(o.decision.model_score, models::test::constant_score(2.0f),
                1e-6)
      << card;
  }
}

// Issue 17: each instance's /metrics tells its share of the partitions and
// its lease renewals, and the shares add up to all of them.
TEST_F(cluster_fraudd, metrics_show_the_partitions_each_instance_holds) {
  const int port_a = service::free_loopback_port();
  start("m1", port_a);
  const int port_b = service::free_loopback_port();
  start("m2", port_b);
  expect_every_card_answered(cards_in_every_partition());
  std::map<std::string, double> a, b;
  ASSERT_TRUE(test::eventually([&] {
    a = test::prometheus_samples(test::http_get(port_a, "/metrics").body);
    b = test::prometheus_samples(test::http_get(port_b, "/metrics").body);
    return a["fraud_partitions_owned"] + b["fraud_partitions_owned"] == 64
           && a["fraud_partitions_owned"] > 0 && b["fraud_partitions_owned"] > 0
           && a["fraud_cluster_instances"] == 2 && b["fraud_cluster_instances"] == 2
           // a lease is renewed every quarter of its TTL (2 s here)
           && a["fraud_lease_renewals_total"] > 0 && b["fraud_lease_renewals_total"] > 0;
  }, 30s)) << a["fraud_partitions_owned"] << " + " << b["fraud_partitions_owned"]
           << "\n" << outputs();
  EXPECT_GE(a["fraud_partition_claims_total"], a["fraud_partitions_owned"]);
  EXPECT_EQ(a.count("fraud_nats_reconnects_total{connection=\"state\"}"), 1u)
    << "the card state's connection is counted too";
  EXPECT_EQ(test::http_get(port_a, "/readyz").status, 200);
  EXPECT_EQ(test::http_get(port_b, "/readyz").status, 200);
}

// Issue 15 in a cluster: a ring's eight cards on one laptop behind one
// address, their partitions held by two instances, four cards each. Each
// instance folds the other's entity observations into its own entities,
// so both see every card of the ring: ring_device declines from the
// second card and ring_ip from the fourth, as on a single node
// (entities_test). Each transaction is sent once the previous one's
// observation has reached the other instance (its received counter), as
// a ring's payments a minute apart would.
TEST_F(cluster_fraudd, a_ring_over_two_instances_is_declined_as_on_one) {
  const int port_a = service::free_loopback_port();
  start("e1", port_a);
  const int port_b = service::free_loopback_port();
  start("e2", port_b);
  std::map<std::string, double> a, b;
  auto scrape = [&] {
    a = test::prometheus_samples(test::http_get(port_a, "/metrics").body);
    b = test::prometheus_samples(test::http_get(port_b, "/metrics").body);
  };
  // The shares even out (a newcomer is handed partitions) before the
  // cards are chosen, so that each keeps its instance.
  ASSERT_TRUE(test::eventually([&] {
    scrape();
    return a["fraud_partitions_owned"] == 32 && b["fraud_partitions_owned"] == 32;
  }, 60s)) << a["fraud_partitions_owned"] << " + "
           << b["fraud_partitions_owned"] << "\n" << outputs();
  auto held = owners();
  std::vector<std::string> ring;
  std::map<std::string, int> per_instance;
  for (int i = 0; ring.size() < 8; ++i) {
    auto card = "ring" + suffix + "-" + std::to_string(i);
    auto owner = held[protocol::partition_of(card, 64)];
    // e1, e2, e1, ...: each card on the other instance than the last.
    if (owner != (ring.size() % 2 == 0 ? "e1" : "e2"))
      continue;
    ring.push_back(card);
    ++per_instance[owner];
  }
  ASSERT_EQ(per_instance["e1"], 4);
  ASSERT_EQ(per_instance["e2"], 4);
  // Each card's owner bought something in New York yesterday.
  for (auto& card : ring) {
    auto o = score_retrying(authoriser->get(),
                            test::card_tx(card, -24 * 60, card + "-owner"));
    ASSERT_TRUE(o.answered) << o.last_problem << "\n" << outputs();
    ASSERT_EQ(o.decision.action, models::action::approve);
  }
  auto has_reason = [](const models::decision& d, const std::string& rule) {
    for (auto& r : d.reasons)
      if (r.rule == rule)
        return true;
    return false;
  };
  for (std::size_t c = 0; c < ring.size(); ++c) {
    SCOPED_TRACE("card " + std::to_string(c));
    ASSERT_TRUE(test::eventually([&] {
      scrape();
      return a["fraud_entity_observations_received_total"]
               + b["fraud_entity_observations_received_total"]
             >= static_cast<double>(c);
    }, 20s)) << outputs();
    auto tx = test::online(test::card_tx(ring[c], 0, ring[c] + "-ring"),
                           "3f0c2a8e-5b7d-4c1e-9a44-0d2b6f8e1c37");
    tx.event_time_ms = test::t0_ms + static_cast<std::int64_t>(c) * 70'000;
    tx.amount_minor = 4000;
    tx.ip = "198.51.100.23";
    tx.merchant_id = "mer_shop";
    auto o = score_retrying(authoriser->get(), tx);
    ASSERT_TRUE(o.answered) << o.last_problem << "\n" << outputs();
    if (c == 0) {
      EXPECT_EQ(o.decision.action, models::action::approve);
      continue;
    }
    EXPECT_EQ(o.decision.action, models::action::decline);
    EXPECT_TRUE(has_reason(o.decision, "ring_device"));
    if (c >= 3) {
      EXPECT_TRUE(has_reason(o.decision, "ring_ip"));
    }
  }
  // Every ring payment was observed by the instance that answered it and
  // reached the other one; nothing was lost or refused.
  ASSERT_TRUE(test::eventually([&] {
    scrape();
    return a["fraud_entity_observations_received_total"]
             + b["fraud_entity_observations_received_total"]
           == 8;
  }, 20s)) << outputs();
  EXPECT_EQ(a["fraud_entity_observations_sent_total"]
              + b["fraud_entity_observations_sent_total"],
            8);
  EXPECT_EQ(a["fraud_entity_observations_dropped_total"]
              + b["fraud_entity_observations_dropped_total"]
              + a["fraud_entity_observations_refused_total"]
              + b["fraud_entity_observations_refused_total"],
            0);
  // What no instance could have sent is counted on both and changes
  // nothing: bytes that are not a batch, a batch that names another
  // instance than its subject, an observation with an id too long.
  auto scorer = connect_as("scorer", nats->urls());
  ASSERT_TRUE(scorer);
  natsConnection_PublishString(scorer->get(), "fraud.cluster.entities.x",
                               "\xff\xff not a batch");
  models::entity_observations forged;
  forged.instance = "e1";
  forged.items.resize(1);
  forged.items[0].use = {1, test::t0_ms, false};
  forged.items[0].ids[0] = "laptop";
  std::string bytes;
  protocol::encode(forged, bytes);
  natsConnection_Publish(scorer->get(), "fraud.cluster.entities.x",
                         bytes.data(), static_cast<int>(bytes.size()));
  forged.instance = "x";
  forged.items[0].ids[0] = std::string(200, 'd');
  protocol::encode(forged, bytes);
  natsConnection_Publish(scorer->get(), "fraud.cluster.entities.x",
                         bytes.data(), static_cast<int>(bytes.size()));
  scorer->flush(2000);
  ASSERT_TRUE(test::eventually([&] {
    scrape();
    return a["fraud_entity_observations_refused_total"] == 3
           && b["fraud_entity_observations_refused_total"] == 3;
  }, 20s)) << a["fraud_entity_observations_refused_total"] << ", "
           << b["fraud_entity_observations_refused_total"] << "\n"
           << outputs();
  EXPECT_EQ(a["fraud_entity_observations_received_total"]
              + b["fraud_entity_observations_received_total"],
            8);
  EXPECT_TRUE(score_retrying(authoriser->get(), tx_of(ring[0])).answered);
}

} // namespace
