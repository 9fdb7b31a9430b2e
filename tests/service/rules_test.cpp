// Rules changed at run time, against a real fraudd, nats-server and SQLite
// file: versions and the decisions that name them, errors that change
// nothing, rollback, history, shadow rules, lists, restarts, --rules, and
// a switch under load that loses nothing and mixes no versions.
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "models/rules/compiled_ruleset.hpp"
#include "models/rules/detail/rule_detail.hpp"
#include "models/rules/rule_compiler.hpp"
#include "protocol/rules_codec.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;

const char* big_declines = R"(
# a text a person might write
rule big: decline when amount > 1000 say "{amount:2} is more than {limit}"
score online: +10 when channel == ECOM
)";

class rules : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    if (!budget_us_.empty())
      a.insert(a.end(), {"--rules-budget-us", budget_us_});
    return a;
  }

  protocol::rules_change_reply set(const std::string& text,
                                   bool dry_run = false) {
    return set_rules(text, dry_run);
  }

  protocol::rules_change_reply rollback(std::uint64_t version) {
    return ask<protocol::rules_change_reply>(
      "fraud.rules.rollback",
      protocol::rules_rollback_request{version, "bob", "undo"});
  }

  protocol::rules_get_reply get(std::uint64_t version = 0) {
    return ask<protocol::rules_get_reply>("fraud.rules.get",
                                          protocol::rules_get_request{version});
  }

  protocol::list_change_reply change_list(const char* verb,
                                          const std::string& list,
                                          std::vector<std::string> values) {
    return ask<protocol::list_change_reply>(
      std::string{"fraud.lists."} + verb,
      protocol::list_change{list, std::move(values), "carol", "fraud ring"});
  }

  models::transaction big_tx(const std::string& id, const std::string& card,
                             int minute) {
    auto tx = card_tx(card, minute, id);
    tx.amount_minor = 250'000;  // 2,500.00
    return tx;
  }

  // Shadow counts are read from the store, which writes a little later.
  protocol::shadow_reply shadow_until(const std::string& rule,
                                      std::uint64_t fired) {
    protocol::shadow_reply r;
    auto reached = [&] {
      r = ask<protocol::shadow_reply>("fraud.rules.shadow",
                                      protocol::shadow_query{rule, 0, 50});
      for (auto& h : r.rules)
        if (h.rule == rule && h.fired >= fired)
          return true;
      return false;
    };
    EXPECT_TRUE(test::eventually(reached, std::chrono::seconds(3)))
      << rule << " never reached " << fired << " hits";
    return r;
  }

  std::string budget_us_;  // fraudd's --rules-budget-us, when set
};

TEST_F(rules, a_new_database_runs_the_default_rules_as_version_1) {
  auto r = get();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->version, 1u);
  EXPECT_EQ(r.version->name, "rules-1");
  EXPECT_TRUE(r.version->running);
  EXPECT_EQ(r.version->rules, 12u);
  EXPECT_EQ(r.text, models::rules::default_rules_text());
  auto d = score(card_tx("card-1", 0, "t1"));
  EXPECT_EQ(d.decision.ruleset_version, "rules-1");
}

TEST_F(rules, set_runs_a_new_version_that_decisions_name) {
  auto r = set(big_declines);
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "rules-2");
  EXPECT_EQ(r.version->author, "alice");
  EXPECT_EQ(r.version->rules, 2u);
  auto d = score(big_tx("t1", "card-1", 0));
  EXPECT_EQ(d.decision.ruleset_version, "rules-2");
  EXPECT_EQ(d.decision.action, models::action::decline);
  ASSERT_EQ(d.decision.reasons.size(), 1u);
  EXPECT_EQ(d.decision.reasons[0].rule, "big");
  EXPECT_EQ(d.decision.reasons[0].detail, "2500.00 is more than 1000");
  EXPECT_EQ(get().text, big_declines);
}

TEST_F(rules, a_text_with_errors_changes_nothing_and_says_where) {
  auto r = set("rule big: decline when amount >\nrule x: review when foo");
  EXPECT_FALSE(r.error);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2);  // the condition ran into "rule x"
  EXPECT_EQ(r.errors[0].column, 1);
  EXPECT_NE(r.errors[0].message.find("expected a value"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 2);
  EXPECT_EQ(r.errors[1].column, 21);
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "rules-1");  // still running
  EXPECT_EQ(score(card_tx("card-1", 0, "t1")).decision.ruleset_version,
            "rules-1");
}

TEST_F(rules, a_dry_run_checks_and_changes_nothing) {
  auto r = set("rule a: decline when card_id in list nobody", true);
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("'nobody' has no entries"),
            std::string::npos);
  EXPECT_EQ(r.version->name, "rules-1");
  EXPECT_EQ(get().version->version, 1u);
}

TEST_F(rules, bad_requests_are_refused_with_the_field) {
  auto r = ask<protocol::rules_change_reply>(
    "fraud.rules.set", protocol::rules_set_request{big_declines, "", "why"});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.field(), "author");
  auto l = change_list("add", "Bad-Name", {"x"});
  ASSERT_TRUE(l.error);
  EXPECT_EQ(l.error.field(), "list");
  auto g = get(99);
  ASSERT_TRUE(g.error);
  EXPECT_EQ(g.error.code(), fraud::ec::not_found);
}

TEST_F(rules, an_unknown_request_is_refused_readably_whatever_its_bytes) {
  // Found by the hostile-input test: the error quoted the subject, and a
  // verb that is not UTF-8 made a reply no client could parse.
  for (const char* subject : {"fraud.rules.set\xc3", "fraud.lists.\xff\xfe"}) {
    auto r = ask<protocol::list_change_reply>(subject, protocol::lists_query{});
    ASSERT_TRUE(r.error) << subject;
    EXPECT_EQ(r.error.code(), fraud::ec::bad_request);
    EXPECT_NE(r.error.what().find("no such request"), std::string::npos);
  }
}

TEST_F(rules, rollback_runs_an_earlier_version_again_and_history_says_so) {
  ASSERT_EQ(set(big_declines).version->version, 2u);
  EXPECT_EQ(score(big_tx("t1", "card-1", 0)).decision.action,
            models::action::decline);
  auto r = rollback(1);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.version->name, "rules-1");
  auto d = score(big_tx("t2", "card-2", 0));
  EXPECT_EQ(d.decision.ruleset_version, "rules-1");
  EXPECT_EQ(d.decision.action, models::action::approve);
  auto missing = rollback(42);
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error.code(), fraud::ec::not_found);
  auto h = ask<protocol::rules_history_reply>("fraud.rules.history",
                                              protocol::rules_history_request{});
  ASSERT_EQ(h.versions.size(), 2u);
  EXPECT_EQ(h.versions[0].version, 2u);  // newest first
  EXPECT_FALSE(h.versions[0].running);
  EXPECT_TRUE(h.versions[1].running);
  EXPECT_EQ(h.versions[0].reason, "a test");
  ASSERT_EQ(h.activations.size(), 3u);
  EXPECT_EQ(h.activations[0].kind, "rollback");
  EXPECT_EQ(h.activations[0].author, "bob");
  EXPECT_EQ(h.activations[1].kind, "set");
  EXPECT_EQ(h.activations[2].kind, "start");
  EXPECT_GT(h.activations[0].activated_at_ms, 0);
}

TEST_F(rules, shadow_rules_are_recorded_counted_and_change_nothing) {
  auto r = set("rule watch_big: shadow decline when amount > 1000\n"
               "score watch_all: shadow +5 when true\n");
  ASSERT_TRUE(r.errors.empty());
  auto big = score(big_tx("t1", "card-1", 0));
  EXPECT_EQ(big.decision.action, models::action::approve);
  EXPECT_TRUE(big.decision.reasons.empty());
  ASSERT_EQ(big.decision.shadow_reasons.size(), 2u);
  EXPECT_EQ(big.decision.shadow_reasons[0].rule, "watch_big");
  score(card_tx("card-2", 0, "t2"));
  shadow_until("watch_all", 2);  // both decisions are stored
  auto s = shadow_until("watch_big", 1);
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[0].rule, "watch_all");  // most hits first
  EXPECT_EQ(s.rules[0].fired, 2u);
  EXPECT_EQ(s.rules[0].approved, 2u);
  EXPECT_EQ(s.rules[1].rule, "watch_big");
  EXPECT_EQ(s.rules[1].fired, 1u);
  ASSERT_EQ(s.decisions.size(), 1u);
  EXPECT_EQ(s.decisions[0].decision.tx_id, "t1");
  EXPECT_EQ(s.decisions[0].decision.shadow_reasons.size(), 2u);
}

TEST_F(rules, list_changes_apply_to_the_next_transaction_and_are_kept) {
  ASSERT_TRUE(set("rule blocked: decline when card_id in list blocked_cards\n"
                  "rule trusted: allow when merchant_id in list trusted\n")
                .errors.empty());
  EXPECT_EQ(score(card_tx("card-9", 0, "t1")).decision.action,
            models::action::approve);
  auto added = change_list("add", "blocked_cards", {"card-9", "card-8"});
  ASSERT_FALSE(added.error);
  EXPECT_EQ(added.changed, 2u);
  EXPECT_EQ(added.size, 2u);
  EXPECT_EQ(change_list("add", "blocked_cards", {"card-9"}).changed, 0u);
  auto blocked = score(card_tx("card-9", 1, "t2"));
  EXPECT_EQ(blocked.decision.action, models::action::decline);
  EXPECT_EQ(blocked.decision.ruleset_version, "rules-2");
  // card_tx() pays at merchant-1.
  ASSERT_TRUE(change_list("add", "trusted", {"merchant-1"}).changed == 1u);
  EXPECT_EQ(score(card_tx("card-9", 2, "t3")).decision.action,
            models::action::approve);  // allow wins
  auto lists = ask<protocol::lists_reply>("fraud.lists.get",
                                          protocol::lists_query{});
  ASSERT_EQ(lists.lists.size(), 2u);
  auto one = ask<protocol::lists_reply>("fraud.lists.get",
                                        protocol::lists_query{"blocked_cards"});
  ASSERT_EQ(one.lists.size(), 1u);
  ASSERT_EQ(one.lists[0].entries.size(), 2u);
  EXPECT_EQ(one.lists[0].entries[1].value, "card-9");
  EXPECT_EQ(one.lists[0].entries[1].author, "carol");
  EXPECT_EQ(one.lists[0].entries[1].reason, "fraud ring");
  change_list("remove", "trusted", {"merchant-1"});
  auto removed = change_list("remove", "blocked_cards", {"card-9"});
  EXPECT_EQ(removed.changed, 1u);
  EXPECT_EQ(removed.size, 1u);
  EXPECT_EQ(score(card_tx("card-9", 3, "t4")).decision.action,
            models::action::approve);
}

TEST_F(rules, a_restart_keeps_the_running_version_and_the_lists) {
  ASSERT_TRUE(set("rule blocked: decline when card_id in list blocked\n")
                .errors.empty());
  change_list("add", "blocked", {"card-7"});
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  EXPECT_EQ(get().version->name, "rules-2");
  auto d = score(card_tx("card-7", 0, "t1"));
  EXPECT_EQ(d.decision.ruleset_version, "rules-2");
  EXPECT_EQ(d.decision.action, models::action::decline);
}

TEST_F(rules, fraudctl_gets_sets_rolls_back_and_lists) {
  auto file = dir.file("big.rules");
  std::ofstream{file} << big_declines;
  int rc = 0;
  auto out = ctl("rules set " + file + " --author dave --reason tighter", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("rules-2 running"), std::string::npos) << out;
  out = ctl("rules get", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("rule big: decline"), std::string::npos) << out;
  auto bad = dir.file("bad.rules");
  std::ofstream{bad} << "rule x: review when spead_kmh > 900\n";
  out = ctl("rules set " + bad + " --author dave --reason typo", rc);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find(bad + ":1:21: error: "), std::string::npos) << out;
  EXPECT_NE(out.find("did you mean 'speed_kmh'"), std::string::npos) << out;
  out = ctl("rules rollback rules-1 --author dave --reason back", rc);
  EXPECT_EQ(rc, 0) << out;
  out = ctl("rules history", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("dave"), std::string::npos) << out;
  EXPECT_NE(out.find("rollback"), std::string::npos) << out;
  out = ctl("lists add blocked_ips 10.0.0.1 10.0.0.2 --author dave "
            "--reason botnet",
            rc);
  EXPECT_EQ(rc, 0) << out;
  out = ctl("--json lists get blocked_ips", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("\"10.0.0.2\""), std::string::npos) << out;
  out = ctl("rules shadow", rc);
  EXPECT_EQ(rc, 0) << out;
  out = ctl("rules rollback 77 --author dave --reason nothing", rc);
  EXPECT_EQ(rc, 4) << out;
}

// Started with --rules: that file runs; a file that does not compile
// stops fraudd from starting, naming the line.
class rules_from_file : public rules {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    auto file = dir.file("start.rules");
    std::ofstream{file} << big_declines;
    a.push_back("--rules");
    a.push_back(file);
    return a;
  }
};

TEST_F(rules_from_file, runs_the_file_and_keeps_it_as_a_version) {
  auto r = get();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.text, big_declines);
  EXPECT_EQ(r.version->version, 1u);
  EXPECT_NE(r.version->reason.find("--rules"), std::string::npos);
  EXPECT_EQ(score(big_tx("t1", "card-1", 0)).decision.action,
            models::action::decline);
  // the same file again is the same version
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  EXPECT_EQ(get().version->version, 1u);
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  auto bad = dir.file("bad.rules");
  std::ofstream{bad} << "rule x: review when\n";
  auto a = fraudd_service::args();
  a.push_back("--rules");
  a.push_back(bad);
  test::fraudd_process broken;
  EXPECT_FALSE(broken.start(a, 5000));
  EXPECT_NE(broken.output().find("line 2, column 1"), std::string::npos)
    << broken.output();
}

// A stream of transactions while the rules switch back and forth: every
// transaction gets exactly one decision, made by exactly one version (its
// reasons are that version's), and nothing is lost.
TEST_F(rules, a_switch_under_load_loses_nothing_and_mixes_no_versions) {
  const std::string text_a = "score marker_a: +1 when true\n"
                             "score a_only: +1 when amount > 0\n";
  const std::string text_b = "score marker_b: +1 when true\n";
  natsSubscription* all = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&all, conn->get(),
                                         "fraud.decisions.>"),
            NATS_OK);
  natsSubscription_SetPendingLimits(all, -1, -1);
  ASSERT_EQ(conn->flush(2000), NATS_OK);
  constexpr int total = 20'000;
  std::map<std::string, std::string> kind_of;  // version name -> "a" / "b"
  std::mutex kinds_mtx;
  std::atomic<bool> sending{true};
  std::atomic<int> switches{0};
  std::thread switcher{[&] {
    // its own connection: requests must not queue behind the publishes
    service::nats_options o;
    o.url = nats->url();
    auto c = service::nats_connection::connect(o);
    ASSERT_TRUE(c);
    for (int i = 0; sending; ++i) {
      bool a = i % 2 == 0;
      std::string payload, reply_bytes;
      protocol::encode(protocol::rules_set_request{a ? text_a : text_b,
                                                   "load", "switch"},
                       payload);
      natsMsg* msg = nullptr;
      if (test::signed_request(&msg, (*c)->get(), "fraud.rules.set", payload,
                               alice, 5000)
          != NATS_OK)
        continue;
      protocol::rules_change_reply r;
      auto err = protocol::decode(natsMsg_GetData(msg),
                                  natsMsg_GetDataLength(msg), r);
      natsMsg_Destroy(msg);
      EXPECT_TRUE(err.ok()) << to_string(err);
      // LIMIT_EXCEEDED past the compile rate: nothing changed.
      if (r.version && !r.error) {
        std::lock_guard<std::mutex> guard{kinds_mtx};
        kind_of[r.version->name] = a ? "a" : "b";
        switches.fetch_add(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }};
  auto began = std::chrono::steady_clock::now();
  std::string payload;
  for (int i = 0; i < total; ++i) {
    auto card = "card-" + std::to_string(i % 500);
    auto tx = card_tx(card, i / 500, "load-" + std::to_string(i));
    protocol::encode_transaction(tx, payload);
    ASSERT_EQ(natsConnection_Publish(conn->get(), ("fraud.tx." + card).c_str(),
                                     payload.data(),
                                     static_cast<int>(payload.size())),
              NATS_OK);
    if (i % 1000 == 999)  // about 20,000 tx/s, as the issue asks
      std::this_thread::sleep_until(began + std::chrono::milliseconds(
                                              (i + 1) / 20));
    // Each eighth of the traffic goes out under a version of its own, on
    // however loaded a machine: the next waits for the next switch.
    if (i % (total / 8) == total / 8 - 1) {
      auto after = switches.load();
      EXPECT_TRUE(test::eventually([&] { return switches.load() > after; },
                                   std::chrono::seconds(10)))
        << "the rules did not switch";
      began = std::chrono::steady_clock::now()
              - std::chrono::milliseconds((i + 1) / 20);
    }
  }
  ASSERT_EQ(conn->flush(5000), NATS_OK);
  auto sent_in = std::chrono::steady_clock::now() - began;
  std::set<std::string> seen;
  std::vector<std::pair<std::string, std::string>> made;  // version, markers
  while (static_cast<int>(seen.size()) < total) {
    natsMsg* msg = next(all, 10'000);
    if (msg == nullptr)
      break;
    models::decision d;
    protocol::decision_envelope env;
    ASSERT_TRUE(protocol::decode_decision(natsMsg_GetData(msg),
                                          natsMsg_GetDataLength(msg), d, env).ok());
    natsMsg_Destroy(msg);
    EXPECT_TRUE(seen.insert(d.tx_id).second) << "two decisions for "
                                             << d.tx_id;
    std::string markers;  // the default rules (rules-1) have none
    for (auto& r : d.reasons)
      if (r.rule == "marker_a" || r.rule == "a_only")
        markers += "a";
      else if (r.rule == "marker_b")
        markers += "b";
    made.emplace_back(d.ruleset_version, markers);
  }
  sending = false;
  switcher.join();
  natsSubscription_Destroy(all);
  std::map<std::string, int> by_version;
  int mixed = 0;
  for (auto& [version, markers] : made) {
    ++by_version[version];
    auto it = kind_of.find(version);
    auto want = version == "rules-1"    ? ""
                : it == kind_of.end()   ? "?"
                : it->second == "a"     ? "aa"
                                        : "b";
    mixed += markers == want ? 0 : 1;
  }
  EXPECT_EQ(static_cast<int>(seen.size()), total) << "decisions lost";
  EXPECT_EQ(mixed, 0) << "decisions whose reasons are not their version's";
  EXPECT_GE(by_version.size(), 5u) << "the rules hardly switched";
  std::printf("[ load     ] %d transactions sent in %.2f s over %zu versions\n",
              total, std::chrono::duration<double>(sent_in).count(),
              by_version.size());
}

// n score rules that fire on every transaction.
std::string always_firing(std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i)
    text += "score r" + std::to_string(i)
            + ": +1 when amount >= 0 say \"saw {amount:2}\"\n";
  return text;
}

TEST_F(rules, a_ruleset_with_too_many_rules_is_refused_with_the_reason) {
  auto r = set(always_firing(models::rules::max_rules + 1));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("at most"), std::string::npos);
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->version, 1u) << "the running rules changed";
}

TEST_F(rules, decisions_keep_a_bounded_number_of_reasons) {
  ASSERT_FALSE(set(always_firing(200)).error);
  auto d = score(card_tx("card-r", 0));
  ASSERT_TRUE(d.ok);
  ASSERT_EQ(d.decision.reasons.size(), models::max_reasons + 1);
  EXPECT_EQ(d.decision.reasons.back().rule, "more_reasons");
  EXPECT_EQ(d.decision.action, models::action::decline) << "200 points";
}

// 32 rules and 32 shadow rules that fire on every transaction, each
// saying the device id `n` times.
std::string loud_rules(int n) {
  std::string say;
  for (int i = 0; i < n; ++i)
    say += "{device_id}";
  std::string text;
  for (int i = 0; i < 32; ++i)
    text += "rule r" + std::to_string(i) + ": review when true say \"" + say
            + "\"\nrule s" + std::to_string(i)
            + ": shadow review when true say \"" + say + "\"\n";
  return text;
}

models::transaction loud_tx(const std::string& card, int minute) {
  return test::online(card_tx(card, minute), std::string(128, 'd'));
}

// What these rules cost is not the point here, and on a loaded machine
// they measure over the default budget.
class rules_without_a_budget : public rules {
public:
  rules_without_a_budget() { budget_us_ = "1000000"; }
};

TEST_F(rules_without_a_budget, a_decision_with_long_reasons_still_reaches_the_authoriser) {
  // Found by hostile input: these rules cost little on the budget's sample
  // traffic, whose device ids are short, and ran; with a 128-character
  // device id a decision was 1.1 MB, more than NATS carries, and the
  // authoriser's request timed out.
  auto changed = set(loud_rules(140));
  ASSERT_TRUE(changed.errors.empty() && !changed.error)
    << fraud::to_string(changed.error);
  auto d = score(loud_tx("card-loud", 0));
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.decision.action, models::action::review);
  ASSERT_EQ(d.decision.reasons.size(), 32u);
  EXPECT_EQ(d.decision.shadow_reasons.size(), 32u);
  for (auto& r : d.decision.reasons)
    EXPECT_LE(r.detail.size(), models::rules::max_detail_bytes) << r.rule;
}

TEST_F(rules_without_a_budget, an_answer_too_big_for_nats_comes_in_pages) {
  // Found by hostile input: a reply larger than NATS's max_payload (1 MiB)
  // could not be sent, and the requester waited for its timeout with no
  // word why. Now such answers come in pages that fit.
  std::vector<std::string> values;
  for (int i = 0; i < 9000; ++i)
    values.push_back("value-" + std::to_string(i));
  auto added = ask<protocol::list_change_reply>(
    "fraud.lists.add", protocol::list_change{"big", values,
                                             std::string(128, 'a'),
                                             std::string(1000, 'r')});
  ASSERT_FALSE(added.error) << fraud::to_string(added.error);
  protocol::lists_query lq;
  lq.list = "big";
  lq.limit = 1000;
  std::size_t entries = 0;
  for (int pages = 0; pages < 100; ++pages) {
    std::string payload;
    encode(lq, payload);
    auto bytes = raw_request("fraud.lists.get", payload);
    ASSERT_LE(bytes.size(), 1u << 20);
    protocol::lists_reply l;
    ASSERT_TRUE(decode(bytes.data(), bytes.size(), l).ok());
    ASSERT_FALSE(l.error) << fraud::to_string(l.error);
    ASSERT_EQ(l.lists.size(), 1u);
    entries += l.lists[0].entries.size();
    if (l.next_cursor.empty())
      break;
    lq.cursor = l.next_cursor;
  }
  EXPECT_EQ(entries, values.size());

  // A page of large decisions: answered, within what NATS carries.
  ASSERT_TRUE(set(loud_rules(20)).errors.empty());
  for (int m = 0; m < 20; ++m)
    ASSERT_TRUE(score(loud_tx("card-big", m)).ok);
  protocol::decisions_query q;
  q.card_id = "card-big";
  q.limit = 20;
  protocol::decisions_reply page;
  EXPECT_TRUE(test::eventually([&] {
    page = ask<protocol::decisions_reply>("fraud.query.decisions", q);
    return !page.error && page.decisions.size() == 20;
  })) << fraud::to_string(page.error);
}

// A budget the default rules meet (about 0.5 us here) and 500 firing
// rules do not (about 10 us).
class rules_on_a_budget : public rules {
public:
  rules_on_a_budget() { budget_us_ = "4"; }
};

TEST_F(rules_on_a_budget, a_ruleset_too_costly_to_run_is_refused_with_its_cost) {
  auto r = set(always_firing(models::rules::max_rules));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.field(), "text");
  EXPECT_NE(std::string{r.error.what()}.find("over the budget of 4.0 us"),
            std::string::npos)
    << r.error.what();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->version, 1u);
}

} // namespace

namespace {

// A change signed by `who`, decoded.
protocol::rules_change_reply set_as(natsConnection* conn,
                                    const test::analyst& who,
                                    const std::string& text) {
  std::string payload;
  protocol::encode(protocol::rules_set_request{text, who.name, "why"},
                   payload);
  natsMsg* msg = nullptr;
  protocol::rules_change_reply r;
  if (test::signed_request(&msg, conn, "fraud.rules.set", payload, who, 5000)
      != NATS_OK) {
    r.error = fraud::error{fraud::ec::timeout, "no reply"};
    return r;
  }
  EXPECT_TRUE(protocol::decode(natsMsg_GetData(msg),
                               natsMsg_GetDataLength(msg), r)
                .ok());
  natsMsg_Destroy(msg);
  return r;
}

} // namespace

// An analyst joins without a restart: SIGHUP reads --analyst-keys again;
// a keyring that does not load leaves the keys in use.
TEST_F(rules, analyst_keys_are_read_again_on_sighup) {
  auto bob = test::make_analyst(dir, "bob");
  auto r = set_as(conn->get(), bob, "score b1: +1 when amount > 1\n");
  EXPECT_EQ(r.error.code(), fraud::ec::permission_denied);
  std::ofstream{alice.keyring, std::ios::trunc}
    << "alice " << alice.public_key << "\nbob " << bob.public_key << "\n";
  ASSERT_EQ(::kill(fraudd.pid(), SIGHUP), 0);
  EXPECT_TRUE(test::eventually([&] {
    r = set_as(conn->get(), bob, "score b2: +1 when amount > 2\n");
    return !r.error;
  })) << fraud::to_string(r.error);
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->signer, "bob (" + bob.public_key + ")");
  // A broken file: refused, and both still trusted.
  std::ofstream{alice.keyring, std::ios::trunc} << "not a keyring\n";
  ASSERT_EQ(::kill(fraudd.pid(), SIGHUP), 0);
  EXPECT_TRUE(test::eventually([&] {
    return fraudd.output().find("the analyst keys in use stay")
           != std::string::npos;
  })) << fraudd.output();
  EXPECT_FALSE(set_as(conn->get(), bob, "score b3: +1 when amount > 3\n").error);
  EXPECT_FALSE(set_as(conn->get(), alice, "score a1: +1 when amount > 4\n").error);
}
