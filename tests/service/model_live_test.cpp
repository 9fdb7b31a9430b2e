// The trained model changed at run time (fraud.model.*), against a real
// fraudd, nats-server and SQLite file: no model in a new database, a set
// used by the next transaction and named by every decision, models that do
// not load refused and counted, signatures, rollback, history, restarts,
// fraudctl, and a swap under load that mixes no versions.
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "protocol/query_codec.hpp"
#include "tests/models/constant_model.hpp"
#include "service/sqlite_connection.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;

using models::test::constant_model;
using models::test::constant_spec;
// What constant_model(margin) gives every transaction.
double score_of(float margin) {
  return models::test::constant_score(margin);
}

class model_live : public fraudd_service {
protected:
  protocol::rules_change_reply set(const std::string& text,
                                   bool dry_run = false) {
    return ask<protocol::rules_change_reply>(
      "fraud.model.set",
      protocol::rules_set_request{text, "alice", "new model", dry_run});
  }

  protocol::rules_change_reply rollback(std::uint64_t version) {
    return ask<protocol::rules_change_reply>(
      "fraud.model.rollback",
      protocol::rules_rollback_request{version, "alice", "back"});
  }

  protocol::rules_get_reply get(std::uint64_t version = 0) {
    return ask<protocol::rules_get_reply>("fraud.model.get",
                                          protocol::rules_get_request{version});
  }

  protocol::stats_reply stats() {
    return ask<protocol::stats_reply>("fraud.stats",
                                        protocol::stats_query{});
  }

  // Sets `text` and expects it to run as model-`version`.
  void set_ok(const std::string& text, std::uint64_t version) {
    auto r = set(text);
    ASSERT_FALSE(r.error) << r.error.what();
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    ASSERT_TRUE(r.version);
    EXPECT_EQ(r.version->version, version);
  }

  // A transaction of a card of its own, scored.
  models::decision decide(const std::string& id) {
    auto d = score(card_tx("card-" + id, 0, "tx-" + id));
    EXPECT_TRUE(d.ok);
    return d.decision;
  }
};

TEST_F(model_live, a_new_database_runs_no_model) {
  auto g = get();
  EXPECT_EQ(g.error.code(), ec::not_found);
  auto d = decide("a");
  EXPECT_EQ(d.model_version, "");
  EXPECT_EQ(d.model_score, 0);
  EXPECT_EQ(stats().model_version, "");
}

TEST_F(model_live, a_set_runs_from_the_next_transaction_and_decisions_name_it) {
  set_ok(constant_model(2.0f), 1);
  auto r = get();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "model-1");
  EXPECT_EQ(r.version->rules, 1u) << "trees";
  EXPECT_EQ(r.version->author, "alice");
  EXPECT_NE(r.version->signer.find("alice"), std::string::npos);
  EXPECT_EQ(r.text, constant_model(2.0f));
  auto d = decide("a");
  EXPECT_EQ(d.model_version, "model-1");
  EXPECT_NEAR(d.model_score, score_of(2.0f), 1e-6);
  EXPECT_EQ(stats().model_version, "model-1");

  // The same decision as stored (the store writes in batches), and as
  // published.
  protocol::decision_reply q;
  ASSERT_TRUE(test::eventually([&] {
    q = ask<protocol::decision_reply>("fraud.query.decision",
                                      protocol::decision_query{"tx-a"});
    return !q.error;
  })) << q.error.what();
  ASSERT_TRUE(q.decision);
  EXPECT_EQ(q.decision->decision.model_version, "model-1");
  EXPECT_NEAR(q.decision->decision.model_score, score_of(2.0f), 1e-6);
  auto db = service::sqlite_connection::open(dir.file("fraud.db"), false);
  ASSERT_TRUE(db);
  auto st = (*db)->prepare("SELECT model_version FROM decisions WHERE "
                           "tx_id = 'tx-a'");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->step(), SQLITE_ROW);
  EXPECT_EQ(st->text(0), "model-1") << "the column of schema step 8";
  auto* msg = next(decisions);
  ASSERT_NE(msg, nullptr);
  models::decision published;
  ASSERT_TRUE(decode_published(msg, published));
  natsMsg_Destroy(msg);
  EXPECT_EQ(published.model_version, "model-1");
}

TEST_F(model_live, a_model_that_does_not_load_is_refused_counted_and_changes_nothing) {
  set_ok(constant_model(2.0f), 1);
  auto good = constant_model(-1.0f);
  auto wrong_names = constant_spec(1.0f);
  wrong_names.feature_names[0] = "not_a_feature";
  models::test::json_options regression;
  regression.objective = "reg:squarederror";
  struct bad {
    std::string text;
    std::string says;
  };
  std::vector<bad> bads{
    {good.substr(0, good.size() / 2), "not a readable XGBoost JSON model"},
    {"{\"learner\": 1}", "model"},
    {models::test::to_xgboost_json(wrong_names), "not_a_feature"},
    {models::test::to_xgboost_json(constant_spec(1.0f), regression),
     "reg:squarederror"}};
  for (auto& b : bads) {
    auto r = set(b.text);
    ASSERT_EQ(r.errors.size(), 1u) << b.says;
    EXPECT_NE(r.errors[0].message.find(b.says), std::string::npos)
      << r.errors[0].message;
    ASSERT_TRUE(r.version);
    EXPECT_EQ(r.version->name, "model-1") << "still runs";
  }
  EXPECT_EQ(stats().models_refused, bads.size());
  EXPECT_EQ(get().version->name, "model-1");
  auto h = ask<protocol::rules_history_reply>(
    "fraud.model.history", protocol::rules_history_request{10});
  EXPECT_EQ(h.versions.size(), 1u) << "none of them was kept";
  auto d = decide("a");
  EXPECT_EQ(d.model_version, "model-1");
  EXPECT_NEAR(d.model_score, score_of(2.0f), 1e-6);
}

TEST_F(model_live, a_dry_run_checks_and_changes_nothing) {
  auto r = set(constant_model(1.0f), true);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_FALSE(r.version) << "no model runs";
  EXPECT_EQ(decide("a").model_version, "");
}

TEST_F(model_live, an_unsigned_change_is_refused) {
  for (auto* subject : {"fraud.model.set", "fraud.model.rollback"}) {
    std::string payload;
    if (std::string{subject} == "fraud.model.set")
      protocol::encode(protocol::rules_set_request{constant_model(1.0f),
                                                   "mallory", "pwn", false},
                       payload);
    else
      protocol::encode(protocol::rules_rollback_request{1, "mallory", "pwn"},
                       payload);
    natsMsg* msg = nullptr;
    ASSERT_EQ(natsConnection_Request(&msg, conn->get(), subject,
                                     payload.data(),
                                     static_cast<int>(payload.size()), 5000),
              NATS_OK);
    protocol::rules_change_reply r;
    ASSERT_TRUE(protocol::decode(natsMsg_GetData(msg),
                                 static_cast<std::size_t>(
                                   natsMsg_GetDataLength(msg)),
                                 r)
                  .ok());
    natsMsg_Destroy(msg);
    EXPECT_EQ(r.error.code(), ec::permission_denied) << subject;
  }
  EXPECT_EQ(get().error.code(), ec::not_found) << "still no model";
}

TEST_F(model_live, rollback_runs_an_earlier_version_and_history_keeps_all) {
  set_ok(constant_model(2.0f), 1);
  set_ok(constant_model(-2.0f), 2);
  EXPECT_EQ(decide("a").model_version, "model-2");
  auto r = rollback(1);
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "model-1");
  auto d = decide("b");
  EXPECT_EQ(d.model_version, "model-1");
  EXPECT_NEAR(d.model_score, score_of(2.0f), 1e-6);
  EXPECT_EQ(rollback(9).error.code(), ec::not_found);
  auto h = ask<protocol::rules_history_reply>(
    "fraud.model.history", protocol::rules_history_request{10});
  ASSERT_FALSE(h.error) << h.error.what();
  ASSERT_EQ(h.versions.size(), 2u);
  EXPECT_EQ(h.versions[0].name, "model-2");
  EXPECT_TRUE(h.versions[1].running);
  ASSERT_EQ(h.activations.size(), 3u);
  EXPECT_EQ(h.activations[0].kind, "rollback");
  EXPECT_EQ(h.activations[0].version, 1u);
  EXPECT_NE(h.activations[0].signer.find("alice"), std::string::npos);
}

TEST_F(model_live, a_restart_runs_the_model_that_ran_last) {
  set_ok(constant_model(2.0f), 1);
  set_ok(constant_model(-2.0f), 2);
  ASSERT_FALSE(rollback(1).error);
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto d = decide("a");
  EXPECT_EQ(d.model_version, "model-1");
  EXPECT_NEAR(d.model_score, score_of(2.0f), 1e-6);
  EXPECT_EQ(get().version->name, "model-1");
}

TEST_F(model_live, fraudctl_sets_gets_rolls_back_and_shows_history) {
  auto file = dir.file("a.json");
  std::ofstream{file} << constant_model(2.0f);
  int rc = 0;
  auto out = ctl("model set " + file + " --author dave --reason trained", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("model-1 running (1 trees)"), std::string::npos) << out;
  auto b = dir.file("b.json");
  std::ofstream{b} << constant_model(-2.0f);
  out = ctl("model set " + b + " --author dave --reason retrained", rc);
  EXPECT_EQ(rc, 0) << out;
  out = ctl("model get --version model-1", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("binary:logistic"), std::string::npos) << out;
  auto bad = dir.file("bad.json");
  std::ofstream{bad} << "{ not json";
  out = ctl("model set " + bad + " --author dave --reason typo", rc);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find(bad + ": error: "), std::string::npos) << out;
  EXPECT_NE(out.find("model-2 still runs"), std::string::npos) << out;
  out = ctl("model rollback model-1 --author dave --reason worse", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("model-1 running again"), std::string::npos) << out;
  out = ctl("model history", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("trees"), std::string::npos) << out;
  EXPECT_NE(out.find("retrained"), std::string::npos) << out;
  EXPECT_NE(out.find("model-1    rollback"), std::string::npos) << out;
  decide("a");
  EXPECT_TRUE(test::eventually([&] {
    out = ctl("decision tx-a", rc);
    return rc == 0;
  })) << out;
  EXPECT_NE(out.find("model-1, model_score 0.880797"), std::string::npos)
    << out;
  out = ctl("stats", rc);
  EXPECT_NE(out.find("model            model-1; refused 1"), std::string::npos)
    << out;
}

// While transactions are scored by several clients at once, the model is
// swapped back and forth: every decision's model_score is the score of
// the model it names, never one model's score under another's name.
TEST_F(model_live, a_swap_under_load_mixes_no_versions) {
  const float margins[] = {2.0f, -2.0f};  // model-1, model-2
  set_ok(constant_model(margins[0]), 1);
  set_ok(constant_model(margins[1]), 2);
  std::atomic<bool> done{false};
  std::atomic<int> decided{0};
  std::mutex mtx;
  std::map<std::string, int> seen;  // model version -> decisions
  std::vector<std::string> wrong;
  auto client = [&](int k) {
    for (int i = 0; !done || i < 10; ++i) {
      auto id = std::to_string(k) + "-" + std::to_string(i);
      auto d = score(card_tx("card-" + std::to_string(k * 1000 + i % 50),
                             i / 50, "tx-" + id));
      if (!d.ok)
        return;
      std::lock_guard<std::mutex> guard{mtx};
      ++seen[d.decision.model_version];
      auto v = d.decision.model_version == "model-1"   ? 0
               : d.decision.model_version == "model-2" ? 1
                                                       : -1;
      if (v < 0 || std::abs(d.decision.model_score - score_of(margins[v]))
                     > 1e-6)
        wrong.push_back(d.decision.tx_id + " " + d.decision.model_version
                        + " " + std::to_string(d.decision.model_score));
      ++decided;
    }
  };
  std::vector<std::thread> clients;
  for (int k = 0; k < 4; ++k)
    clients.emplace_back(client, k);
  for (int swap = 0; swap < 8; ++swap) {
    auto r = rollback(swap % 2 == 0 ? 1 : 2);
    EXPECT_FALSE(r.error) << r.error.what();
    // Let some decisions through under this version before the next.
    auto at = decided.load();
    while (decided.load() < at + 40)
      std::this_thread::yield();
  }
  done = true;
  for (auto& t : clients)
    t.join();
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " decisions, e.g. "
                             << (wrong.empty() ? "" : wrong.front());
  EXPECT_GT(seen["model-1"], 0);
  EXPECT_GT(seen["model-2"], 0);
  EXPECT_EQ(seen.size(), 2u);
}

// Started with --model: that file runs and is kept as a version; one that
// does not load stops fraudd from starting, saying why.
class model_from_file : public model_live {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    auto file = dir.file("start.json");
    std::ofstream{file} << constant_model(1.0f);
    a.insert(a.end(), {"--model", file});
    return a;
  }
};

TEST_F(model_from_file, runs_the_file_and_keeps_it_as_a_version) {
  auto r = get();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "model-1");
  EXPECT_NE(r.version->reason.find("--model"), std::string::npos);
  EXPECT_NEAR(decide("a").model_score, score_of(1.0f), 1e-6);
  set_ok(constant_model(-1.0f), 2);
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  EXPECT_EQ(get().version->version, 1u)
    << "--model runs its file again: the same text, the same version";
}

} // namespace
