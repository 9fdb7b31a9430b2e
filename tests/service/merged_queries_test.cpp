// Queries answered by every instance, merged by fraudctl (README: Queries
// across instances): two real fraudd processes, each with its own decision
// store and its own share of the cards (fraud.p.0.* and fraud.p.1.*, as a
// cluster's subject mapping gives them), on one real nats-server. A card
// whose history is split over both (as after a failover) is asked for
// through fraudctl, which gathers both answers and merges them.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "protocol/codec.hpp"
#include "service/client/nats_connection.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/analyst.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using json = nlohmann::json;

class merged_queries : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = new test::temp_dir;
    nats = test::start_nats(dir->path()).release();
    ASSERT_NE(nats, nullptr);
    alice = new test::analyst{test::make_analyst(*dir)};
    for (int i = 0; i < 2; ++i) {
      auto name = i == 0 ? "fraudd-a" : "fraudd-b";
      std::vector<std::string> args{
        "--nats", nats->url(), "--db", dir->file(std::string{name} + ".db"),
        "--analyst-keys", alice->keyring, "--subject",
        "fraud.p." + std::to_string(i) + ".*", "--card-token", "4",
        // One names itself by --name, the other as a cluster would.
        i == 0 ? "--name" : "--instance-id", name};
      instances[i] = new test::fraudd_process;
      ASSERT_TRUE(instances[i]->start(args))
        << name << " did not start:\n" << instances[i]->output();
    }
    service::nats_options o;
    o.url = nats->url();
    o.name = "merged-queries-test";
    auto c = service::nats_connection::connect(o);
    ASSERT_TRUE(c) << to_string(c.error());
    conn = c->release();
    // A card whose history is split: its first two on a, the next two on
    // b (it moved, as in a failover); a trip that is declined on each;
    // one more card on a.
    score(0, test::card_tx("split", 0));
    score(0, test::card_tx("split", 1));
    score(1, test::card_tx("split", 2));
    score(1, test::card_tx("split", 3));
    for (int i = 0; i < 2; ++i) {
      auto card = std::string{"trip-"} + (i == 0 ? "a" : "b");
      score(i, test::card_tx(card, 0, card + "-ny"));
      score(i, test::in_country(test::located(test::card_tx(card, 10,
                                                            card + "-london"),
                                              test::london),
                                "GB"));
    }
    score(0, test::card_tx("only-a", 0));
    // Decisions are stored a few milliseconds after they are made.
    std::string last;
    ASSERT_TRUE(test::eventually(
      [&] {
        int rc = 0;
        last = ctl("--json stats", rc);
        auto j = json::parse(last, nullptr, false);
        return rc == 0 && !j.is_discarded() && j["store"]["written"] == 9;
      },
      std::chrono::seconds(10)))
      << last;
  }

  static void TearDownTestSuite() {
    delete conn;
    for (auto*& p : instances) {
      delete p;  // stops it
      p = nullptr;
    }
    delete nats;
    delete alice;
    delete dir;
  }

  // Sends `tx` to instance i's share and waits for its decision. Decisions
  // a millisecond apart at least, so that newest-first has one order.
  static void score(int i, const models::transaction& tx) {
    std::string payload;
    protocol::encode_transaction(tx, payload);
    auto subject = "fraud.p." + std::to_string(i) + "." + tx.card_id;
    natsMsg* reply = nullptr;
    ASSERT_EQ(natsConnection_Request(&reply, conn->get(), subject.c_str(),
                                     payload.data(),
                                     static_cast<int>(payload.size()), 5000),
              NATS_OK)
      << subject;
    natsMsg_Destroy(reply);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }

  // fraudctl, told that two instances answer; its stdout and stderr.
  // Changes are signed by alice.
  static std::string ctl(const std::string& args, int& rc) {
    std::string out;
    rc = test::run_command(test::fraudctl_binary() + " --nats " + nats->url()
                             + " --sign-key " + alice->seed_file
                             + " --instances 2 " + args + " 2>&1",
                           out);
    return out;
  }

  static json ctl_json(const std::string& args, int& rc) {
    auto out = ctl("--json " + args, rc);
    auto j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    return j;
  }

  static std::vector<std::string> tx_ids(const json& decisions) {
    std::vector<std::string> out;
    for (auto& d : decisions)
      out.push_back(d["tx_id"]);
    return out;
  }

  static void answered_by_both(const json& j) {
    EXPECT_EQ(j["instances_answered"], 2) << j.dump();
    EXPECT_EQ(j["answered_by"].size(), 2u);
    auto names = j["answered_by"].dump();
    EXPECT_NE(names.find("fraudd-a"), std::string::npos) << names;
    EXPECT_NE(names.find("fraudd-b"), std::string::npos) << names;
  }

  static test::temp_dir* dir;
  static test::analyst* alice;
  static service::embedded_nats* nats;
  static test::fraudd_process* instances[2];
  static service::nats_connection* conn;
};

test::temp_dir* merged_queries::dir = nullptr;
test::analyst* merged_queries::alice = nullptr;
service::embedded_nats* merged_queries::nats = nullptr;
test::fraudd_process* merged_queries::instances[2] = {nullptr, nullptr};
service::nats_connection* merged_queries::conn = nullptr;

TEST_F(merged_queries, a_card_split_over_two_instances_reads_as_one) {
  int rc = 0;
  auto j = ctl_json("card split --limit 3", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(tx_ids(j["decisions"]),
            (std::vector<std::string>{"split-3", "split-2", "split-1"}));
  EXPECT_TRUE(j["active"]);
  EXPECT_EQ(j["state"]["tx_count"], 2);  // b holds it now: what b has seen
  answered_by_both(j);
  // Its cursor goes on in fraud.query.decisions, over both instances.
  std::string cursor = j["next_cursor"];
  ASSERT_EQ(cursor.substr(0, 1), "m") << cursor;
  auto rest = ctl_json("decisions --card split --cursor '" + cursor + "'", rc);
  ASSERT_EQ(rc, 0) << rest.dump();
  EXPECT_EQ(tx_ids(rest["decisions"]), std::vector<std::string>{"split-0"});
  EXPECT_EQ(rest["next_cursor"], "");
}

TEST_F(merged_queries, pages_go_across_instances_newest_first) {
  std::vector<std::string> seen;
  std::string cursor;
  int rc = 0;
  for (int page = 0; page < 10; ++page) {
    auto j = ctl_json("decisions --card split --limit 1"
                        + (cursor.empty() ? "" : " --cursor '" + cursor + "'"),
                      rc);
    ASSERT_EQ(rc, 0) << j.dump();
    ASSERT_EQ(j["decisions"].size(), 1u) << j.dump();
    seen.push_back(j["decisions"][0]["tx_id"]);
    cursor = j["next_cursor"];
    if (cursor.empty())
      break;
  }
  std::vector<std::string> newest_first{"split-3", "split-2", "split-1",
                                        "split-0"};
  EXPECT_EQ(seen, newest_first);
  auto all = ctl_json("decisions --card split --limit 1 --all", rc);
  EXPECT_EQ(tx_ids(all["decisions"]), newest_first);
  answered_by_both(all);
}

TEST_F(merged_queries, declines_of_every_instance) {
  int rc = 0;
  auto j = ctl_json("decisions --action decline", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(tx_ids(j["decisions"]),
            (std::vector<std::string>{"trip-b-london", "trip-a-london"}));
  auto text = ctl("decisions --action decline", rc);
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("2 decisions"), std::string::npos) << text;
  EXPECT_NE(text.find("2 instances answered"), std::string::npos) << text;
}

TEST_F(merged_queries, a_decision_from_whichever_instance_made_it) {
  int rc = 0;
  auto j = ctl_json("decision split-2", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["tx_id"], "split-2");
  answered_by_both(j);
  auto text = ctl("decision only-a-0", rc);
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("only-a-0"), std::string::npos) << text;
  text = ctl("decision nowhere", rc);
  EXPECT_EQ(rc, 4) << text;  // not found on either
  EXPECT_NE(text.find("NOT_FOUND"), std::string::npos) << text;
}

TEST_F(merged_queries, stats_add_up_over_the_instances) {
  int rc = 0;
  auto j = ctl_json("stats", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["received"], 9);
  EXPECT_EQ(j["declined"], 2);
  EXPECT_EQ(j["approved"].get<int>() + j["reviewed"].get<int>(), 7);
  EXPECT_EQ(j["latency_us_since_start"]["count"], 9);
  answered_by_both(j);
  auto text = ctl("stats", rc);
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("received         9"), std::string::npos) << text;
  EXPECT_NE(text.find("2 instances answered (fraudd-"), std::string::npos)
    << text;
}

// Outcomes over two instances (README: Review queue and outcomes): every
// instance stores every label, a case lives with the instance that decided
// it, and fraudctl merges: decided labels summed, unknown ones those no
// instance decided, performance counted once per decision.
TEST_F(merged_queries, labels_and_performance_over_the_instances) {
  auto file = dir->file("trip-labels.csv");
  {
    std::ofstream csv{file};
    csv << "trip-a-london,fraud,chargeback\ntrip-b-london,fraud,chargeback\n"
           "trip-a-ny,legit,customer\nnowhere,fraud,chargeback\n";
  }
  int rc = 0;
  auto j = ctl_json("labels load " + file, rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["added"], 4);
  EXPECT_EQ(j["decided"], 3);
  EXPECT_EQ(j["unknown"], 1);
  answered_by_both(j);

  j = ctl_json("labels list --unknown", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  ASSERT_EQ(j["labels"].size(), 1u) << j.dump();
  EXPECT_EQ(j["labels"][0]["tx_id"], "nowhere");
  EXPECT_EQ(j["unknown"], 1);

  j = ctl_json("labels list", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  ASSERT_EQ(j["labels"].size(), 4u) << j.dump();  // once each, not twice
  for (auto& l : j["labels"])
    EXPECT_EQ(l["decided"], l["tx_id"] != "nowhere") << l.dump();

  j = ctl_json("rules performance --since 0", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["decisions"], 9);
  EXPECT_EQ(j["fraud"], 2);
  EXPECT_EQ(j["legit"], 1);
  EXPECT_EQ(j["labelled"], 4);
  EXPECT_EQ(j["labelled_decided"], 3);
  // The rules that declined the two trips caught both frauds, one on each
  // instance: summed, not counted twice.
  bool caught_both = false;
  for (auto& r : j["rules"])
    caught_both = caught_both || (r["fraud"] == 2 && r["missed"] == 0);
  EXPECT_TRUE(caught_both) << j.dump();
  answered_by_both(j);
}

TEST_F(merged_queries, a_case_is_resolved_by_the_instance_that_holds_it) {
  auto rules = dir->file("review-big.rules");
  {
    std::ofstream out{rules};
    out << "rule big: review when amount > 100\n";
  }
  int rc = 0;
  auto out = ctl("rules set " + rules + " --author t --reason test", rc);
  ASSERT_EQ(rc, 0) << out;
  auto big = [](const std::string& card) {
    auto tx = test::card_tx(card, 0, card + "-1");
    tx.amount_minor = 50000;
    return tx;
  };
  // Both instances run it (every instance applies a change).
  ASSERT_TRUE(test::eventually([&] {
    auto s = ctl("stats", rc);
    return s.find("rules-2,") == std::string::npos
           && s.find("rules-2") != std::string::npos;
  }));
  score(0, big("case-a"));
  score(1, big("case-b"));
  json j;
  ASSERT_TRUE(test::eventually([&] {
    j = ctl_json("cases list", rc);
    return rc == 0 && j["cases"].size() == 2;
  }))
    << j.dump();
  answered_by_both(j);
  EXPECT_EQ(j["open"], 2);

  j = ctl_json("cases resolve case-b-1 fraud --note confirmed", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["case"]["state"], "fraud");
  EXPECT_EQ(j["case"]["card_id"], "case-b");
  j = ctl_json("cases list --open", rc);
  ASSERT_EQ(rc, 0) << j.dump();
  ASSERT_EQ(j["cases"].size(), 1u);
  EXPECT_EQ(j["cases"][0]["tx_id"], "case-a-1");
  // No instance has a case for it: NOT_FOUND from both, exit 4.
  out = ctl("cases resolve nowhere legit", rc);
  EXPECT_EQ(rc, 4) << out;
}

} // namespace
