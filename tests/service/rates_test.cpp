// Exchange rates changed at run time, against a real fraudd, nats-server
// and SQLite file: the built-in table as the first version, a change used
// by the next transaction, errors that name their lines and change
// nothing, signatures, history, restarts, --rates, and fraudctl.
#include <fstream>

#include "models/rates.hpp"
#include "protocol/rules_codec.hpp"
#include "tests/service/fraudd_fixture.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;

// Euros and dollars only: yen are unknown.
const char* without_yen = "reference EUR\n"
                          "EUR 2 1\n"
                          "USD 2 1.08\n";

class rates : public fraudd_service {
protected:
  protocol::rules_change_reply set(const std::string& text,
                                   bool dry_run = false) {
    return ask<protocol::rules_change_reply>(
      "fraud.rates.set",
      protocol::rules_set_request{text, "alice", "new rates", dry_run});
  }

  protocol::rules_get_reply get(std::uint64_t version = 0) {
    return ask<protocol::rules_get_reply>("fraud.rates.get",
                                          protocol::rules_get_request{version});
  }

  // A payment of `minor` yen by `card` at `minute`.
  models::transaction yen(const std::string& card, int minute,
                          std::int64_t minor) {
    auto tx = card_tx(card, minute, card + "-yen-" + std::to_string(minute));
    tx.currency = "JPY";
    tx.amount_minor = minor;
    return tx;
  }

  static bool says_unknown_currency(const models::decision& d) {
    for (auto& r : d.reasons)
      if (r.rule == "unknown_currency")
        return true;
    return false;
  }
};

TEST_F(rates, a_new_database_uses_the_built_in_rates_as_version_1) {
  auto r = get();
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "rates-1");
  EXPECT_TRUE(r.version->running);
  EXPECT_EQ(r.version->rules, models::default_rates().currencies().size());
  EXPECT_EQ(r.text, models::default_rates_text());
  score(card_tx("card-1", 0, "t1"));
  auto d = score(yen("card-1", 1, 4'800));
  EXPECT_FALSE(says_unknown_currency(d.decision));
}

TEST_F(rates, a_change_is_used_from_the_next_transaction) {
  score(card_tx("card-1", 0, "t1"));  // dollars: its home currency
  auto r = set(without_yen);
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "rates-2");
  EXPECT_EQ(r.version->rules, 2u);
  EXPECT_EQ(r.version->author, "alice");
  EXPECT_NE(r.version->signer.find("alice"), std::string::npos);
  auto d = score(yen("card-1", 1, 4'800));
  EXPECT_TRUE(says_unknown_currency(d.decision));
  EXPECT_EQ(d.decision.action, models::action::approve)
    << "never declined for its currency";
  EXPECT_EQ(get().text, without_yen);
  EXPECT_EQ(get(1).version->name, "rates-1");
}

TEST_F(rates, a_table_with_errors_changes_nothing_and_says_where) {
  auto r = set("reference EUR\nEUR 2 1\nJPY zero 162\nUSD 2\n");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("JPY"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 4);
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "rates-1") << "still in use";
  EXPECT_EQ(get().version->name, "rates-1");
}

TEST_F(rates, a_dry_run_checks_and_changes_nothing) {
  auto r = set(without_yen, true);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.version->name, "rates-1");
  EXPECT_EQ(get().version->name, "rates-1");
}

TEST_F(rates, an_unsigned_change_is_refused) {
  std::string payload;
  protocol::encode(protocol::rules_set_request{without_yen, "mallory", "pwn",
                                               false},
                   payload);
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsConnection_Request(&msg, conn->get(), "fraud.rates.set",
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
  EXPECT_EQ(r.error.code(), ec::permission_denied);
  EXPECT_EQ(get().version->name, "rates-1");
}

TEST_F(rates, history_and_a_restart_keep_every_version) {
  ASSERT_TRUE(set(without_yen).errors.empty());
  auto h = ask<protocol::rules_history_reply>(
    "fraud.rates.history", protocol::rules_history_request{10});
  ASSERT_FALSE(h.error) << h.error.what();
  ASSERT_EQ(h.versions.size(), 2u);
  EXPECT_EQ(h.versions[0].name, "rates-2");
  EXPECT_TRUE(h.versions[0].running);
  ASSERT_EQ(h.activations.size(), 2u);
  EXPECT_EQ(h.activations[0].kind, "set");
  EXPECT_EQ(h.activations[1].kind, "start");
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  EXPECT_EQ(get().version->name, "rates-2");
  score(card_tx("card-2", 0, "u1"));
  EXPECT_TRUE(says_unknown_currency(score(yen("card-2", 1, 100)).decision));
}

TEST_F(rates, fraudctl_gets_sets_and_shows_history) {
  auto file = dir.file("new.rates");
  std::ofstream{file} << without_yen;
  int rc = 0;
  auto out = ctl("rates set " + file + " --author dave --reason ecb", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("rates-2 running (2 currencies)"), std::string::npos)
    << out;
  out = ctl("rates get", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("USD 2 1.08"), std::string::npos) << out;
  out = ctl("rates get --version rates-1", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("JPY 0"), std::string::npos) << out;
  auto bad = dir.file("bad.rates");
  std::ofstream{bad} << "reference EUR\nEUR 2 1\nYEN 0 -1\n";
  out = ctl("rates set " + bad + " --author dave --reason typo", rc);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find(bad + ":3:1: error: "), std::string::npos) << out;
  out = ctl("rates history", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("dave"), std::string::npos) << out;
  EXPECT_NE(out.find("currencies"), std::string::npos) << out;
  EXPECT_NE(out.find("rates-2"), std::string::npos) << out;
}

TEST_F(rates, a_rollback_uses_an_earlier_version_again) {
  score(card_tx("card-3", 0, "v1"));
  ASSERT_TRUE(set(without_yen).errors.empty());
  EXPECT_TRUE(says_unknown_currency(score(yen("card-3", 1, 100)).decision));
  int rc = 0;
  auto out = ctl("rates rollback rates-1 --author dave --reason \"yen back\"",
                 rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("rates-1 running"), std::string::npos) << out;
  EXPECT_FALSE(says_unknown_currency(score(yen("card-3", 2, 100)).decision));
  auto h = ask<protocol::rules_history_reply>(
    "fraud.rates.history", protocol::rules_history_request{10});
  ASSERT_FALSE(h.activations.empty());
  EXPECT_EQ(h.activations[0].kind, "rollback");
  EXPECT_EQ(h.activations[0].version, 1u);
  // To a version that does not exist: refused, naming it; nothing changes.
  out = ctl("rates rollback rates-9 --author dave --reason typo", rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("rates version 9"), std::string::npos) << out;
  EXPECT_EQ(get().version->name, "rates-1");
}

// Started with --rates: that table is used; one that does not parse stops
// fraudd from starting, naming the line.
class rates_from_file : public rates {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    auto file = dir.file("start.rates");
    std::ofstream{file} << without_yen;
    a.insert(a.end(), {"--rates", file});
    return a;
  }
};

TEST_F(rates_from_file, uses_the_file_and_keeps_it_as_a_version) {
  auto r = get();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.text, without_yen);
  EXPECT_NE(r.version->reason.find("--rates"), std::string::npos);
  score(card_tx("card-1", 0, "t1"));
  EXPECT_TRUE(says_unknown_currency(score(yen("card-1", 1, 100)).decision));
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  EXPECT_EQ(get().version->version, 1u) << "the same file, the same version";
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  auto bad = dir.file("bad.rates");
  std::ofstream{bad} << "reference EUR\nEUR 2 1\nUSD 2 1,08\n";
  auto a = fraudd_service::args();
  a.insert(a.end(), {"--rates", bad});
  test::fraudd_process broken;
  EXPECT_FALSE(broken.start(a, 5000));
  EXPECT_NE(broken.output().find("line 3: USD"), std::string::npos)
    << broken.output();
}

} // namespace
