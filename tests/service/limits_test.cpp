// What one request may cost fraudd (README: Limits), against a real
// fraudd, nats-server and SQLite file: each limit hit is LIMIT_EXCEEDED
// naming the limit, changes nothing, is counted, and leaves every other
// request answered; a reply that would not fit in one NATS message is
// paged instead.
#include <fstream>
#include <set>

#include "models/rules/detail/rule_detail.hpp"
#include "protocol/query_codec.hpp"
#include "protocol/request_limits.hpp"
#include "protocol/rules_codec.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;

::testing::AssertionResult limited(const fraud::error& e,
                                   const std::string& field) {
  if (e.code() != ec::limit_exceeded)
    return ::testing::AssertionFailure()
           << "not LIMIT_EXCEEDED: " << fraud::to_string(e);
  if (e.field() != field)
    return ::testing::AssertionFailure()
           << "names '" << e.field() << "', not '" << field
           << "': " << e.what();
  return ::testing::AssertionSuccess();
}

// A rule that does not compile (no feature "foo"), padded to `bytes`: a
// refusal without compile errors was refused before compiling.
std::string broken_text(std::size_t bytes) {
  std::string text = "rule x: review when foo > 1\n";
  while (text.size() < bytes)
    text += "# padding to make the text as large as the test needs\n";
  return text;
}

class limits : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    a.insert(a.end(), options.begin(), options.end());
    return a;
  }

  protocol::rules_change_reply set(const std::string& text,
                                   bool dry_run = false) {
    return set_rules(text, dry_run);
  }

  protocol::list_change_reply add(const std::string& list,
                                  std::vector<std::string> values,
                                  std::string reason = "fraud ring") {
    return ask<protocol::list_change_reply>(
      "fraud.lists.add",
      protocol::list_change{list, std::move(values), "carol",
                            std::move(reason)});
  }

  protocol::lists_reply list(const std::string& name,
                             const std::string& cursor = {},
                             std::uint32_t limit = 0) {
    protocol::lists_query q;
    q.list = name;
    q.cursor = cursor;
    q.limit = limit;
    return ask<protocol::lists_reply>("fraud.lists.get", q);
  }

  std::uint64_t running_version() {
    auto r = ask<protocol::rules_get_reply>("fraud.rules.get",
                                            protocol::rules_get_request{});
    return r.version ? r.version->version : 0;
  }

  std::uint64_t requests_limited() {
    return ask<protocol::stats_reply>("fraud.stats", protocol::stats_query{})
      .requests_limited;
  }

  // A query's reply and its size on the wire.
  template <class Reply, class Query>
  Reply ask_sized(const std::string& subject, const Query& query,
                  std::size_t& bytes) {
    std::string payload;
    encode(query, payload);
    auto raw = raw_request(subject, payload);
    bytes = raw.size();
    Reply r;
    EXPECT_TRUE(decode(raw.data(), raw.size(), r).ok()) << subject;
    return r;
  }

  std::vector<std::string> options;
};

// ---- rules ----------------------------------------------------------------

class small_rules : public limits {
protected:
  small_rules() { options = {"--rules-max-bytes", "2048"}; }
};

TEST_F(small_rules, a_text_over_the_size_limit_is_refused_before_compiling) {
  for (bool dry_run : {false, true}) {
    auto r = set(broken_text(3000), dry_run);
    EXPECT_TRUE(limited(r.error, "text"));
    EXPECT_NE(r.error.what().find("2048 bytes (--rules-max-bytes)"),
              std::string::npos)
      << r.error.what();
    EXPECT_TRUE(r.errors.empty()) << "it was compiled";
    ASSERT_TRUE(r.version);
    EXPECT_EQ(r.version->version, 1u);
  }
  // within the limit: compiled (and refused for its own reasons)
  EXPECT_FALSE(set(broken_text(2000)).errors.empty());
  auto ok = set("rule big: decline when amount > 1000\n");
  ASSERT_FALSE(ok.error) << ok.error.what();
  EXPECT_EQ(running_version(), 2u);
  EXPECT_EQ(requests_limited(), 2u);
}

TEST_F(small_rules, fraudctl_says_which_limit_and_exits_7) {
  auto file = dir.file("big.rules");
  std::ofstream{file} << broken_text(3000);
  int rc = 0;
  auto out = ctl("rules set " + file + " --author dave --reason bigger", rc);
  EXPECT_EQ(rc, 7) << out;
  EXPECT_NE(out.find("LIMIT_EXCEEDED text"), std::string::npos) << out;
  out = ctl("stats", rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("limited          1 requests"), std::string::npos) << out;
}

TEST_F(limits, author_and_reason_are_bounded_even_on_a_dry_run) {
  for (bool dry_run : {false, true}) {
    auto r = ask<protocol::rules_change_reply>(
      "fraud.rules.set",
      protocol::rules_set_request{"rule a: review when amount > 1\n",
                                  std::string(129, 'a'), "why", dry_run});
    EXPECT_TRUE(limited(r.error, "author"));
    r = ask<protocol::rules_change_reply>(
      "fraud.rules.set",
      protocol::rules_set_request{"rule a: review when amount > 1\n", "bob",
                                  std::string(1001, 'r'), dry_run});
    EXPECT_TRUE(limited(r.error, "reason"));
  }
  auto r = ask<protocol::rules_change_reply>(
    "fraud.rules.set",
    protocol::rules_set_request{"rule a: review when amount > 1\n", "", "why"});
  EXPECT_EQ(r.error.code(), ec::bad_request) << "missing is not too long";
  EXPECT_EQ(running_version(), 1u);
}

class slow_compiles : public limits {
protected:
  // Three at once, then one every 1,000 s: the test never waits for one.
  slow_compiles() {
    options = {"--rules-compiles-per-s", "0.001", "--rules-compile-burst",
               "3"};
  }
};

TEST_F(slow_compiles, beyond_the_rate_compiles_are_refused_at_once) {
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(set("rule a: review when amount > 1\n", true).errors.empty());
  auto third = set("rule a: decline when amount > 1000\n");
  ASSERT_FALSE(third.error) << third.error.what();
  EXPECT_EQ(running_version(), 2u);

  auto r = set(broken_text(100), true);
  EXPECT_TRUE(limited(r.error, "rules_compiles_per_s"));
  EXPECT_NE(r.error.what().find("try again in"), std::string::npos)
    << r.error.what();
  EXPECT_TRUE(r.errors.empty()) << "it was compiled";
  r = set("rule a: decline when amount > 5\n");
  EXPECT_TRUE(limited(r.error, "rules_compiles_per_s"));
  auto back = ask<protocol::rules_change_reply>(
    "fraud.rules.rollback", protocol::rules_rollback_request{1, "bob", "undo"});
  EXPECT_TRUE(limited(back.error, "rules_compiles_per_s"));
  EXPECT_EQ(running_version(), 2u) << "nothing changed";

  // Everything else goes on: scoring with the running rules, lists.
  auto tx = card_tx("card-1", 0, "t1");
  tx.amount_minor = 250'000;
  auto d = score(tx);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.decision.action, models::action::decline);
  EXPECT_EQ(d.decision.ruleset_version, "rules-2");
  EXPECT_FALSE(add("blocked", {"card-9"}).error);
  EXPECT_EQ(requests_limited(), 3u);
}

TEST_F(limits, a_rules_get_too_big_for_one_reply_is_refused_not_lost) {
  // A text accepted at start (--rules), as large as the compiler takes:
  // with its version it does not fit in a reply of NATS's 1 MiB.
  auto file = dir.file("huge.rules");
  std::string text = "rule a: review when amount > 1\n";
  while (text.size() + 100 < protocol::max_rules_text_bytes)
    text += "# padding to make the text as large as the test needs\n";
  text += "#" + std::string(protocol::max_rules_text_bytes - text.size() - 2,
                            'x')
          + "\n";
  ASSERT_EQ(text.size(), protocol::max_rules_text_bytes);
  std::ofstream{file} << text;
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  options = {"--rules", file};
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto r = ask<protocol::rules_get_reply>("fraud.rules.get",
                                          protocol::rules_get_request{});
  EXPECT_TRUE(limited(r.error, "reply"));
  EXPECT_TRUE(r.text.empty());
  auto h = ask<protocol::rules_history_reply>(
    "fraud.rules.history", protocol::rules_history_request{20});
  EXPECT_FALSE(h.error) << "versions come without their texts";
  EXPECT_EQ(requests_limited(), 1u);
}

// ---- lists ----------------------------------------------------------------

class small_lists : public limits {
protected:
  small_lists() { options = {"--list-max-entries", "5", "--lists-max", "2"}; }
};

TEST_F(small_lists, an_add_past_the_list_size_changes_nothing) {
  ASSERT_FALSE(add("blocked", {"c1", "c2", "c3"}).error);
  auto r = add("blocked", {"c4", "c5", "c6"});
  EXPECT_TRUE(limited(r.error, "list_max_entries"));
  EXPECT_NE(r.error.what().find("holds 3 and this adds 3"),
            std::string::npos)
    << r.error.what();
  EXPECT_EQ(r.size, 3u);
  auto l = list("blocked");
  ASSERT_EQ(l.lists.size(), 1u);
  EXPECT_EQ(l.lists[0].size, 3u);
  EXPECT_EQ(l.lists[0].entries.size(), 3u);
  // values already in, and repeats, add nothing: up to the limit is fine
  auto ok = add("blocked", {"c1", "c4", "c4", "c5"});
  ASSERT_FALSE(ok.error) << ok.error.what();
  EXPECT_EQ(ok.size, 5u);
  EXPECT_FALSE(ask<protocol::list_change_reply>(
                 "fraud.lists.remove",
                 protocol::list_change{"blocked", {"c1"}, "carol", "ok"})
                 .error);
  EXPECT_EQ(requests_limited(), 1u);
}

TEST_F(small_lists, a_list_beyond_the_number_of_lists_is_refused) {
  ASSERT_FALSE(add("a", {"x"}).error);
  ASSERT_FALSE(add("b", {"x"}).error);
  auto r = add("c", {"x"});
  EXPECT_TRUE(limited(r.error, "lists_max"));
  EXPECT_EQ(list("c").error.code(), ec::not_found);
  EXPECT_FALSE(add("a", {"y"}).error) << "the lists there are still grow";
  ASSERT_FALSE(ask<protocol::list_change_reply>(
                 "fraud.lists.remove",
                 protocol::list_change{"b", {"x"}, "carol", "empty"})
                 .error);
  EXPECT_FALSE(add("c", {"x"}).error) << "an emptied list made room";
}

TEST_F(limits, a_change_carries_a_bounded_number_of_bounded_values) {
  std::vector<std::string> many(protocol::max_list_change + 1);
  for (std::size_t i = 0; i < many.size(); ++i)
    many[i] = "v" + std::to_string(i);
  EXPECT_TRUE(limited(add("big", many).error, "values"));
  EXPECT_TRUE(limited(add("big", {std::string(129, 'v')}).error, "values"));
  EXPECT_EQ(add("big", {"two words"}).error.code(), ec::bad_request);
  EXPECT_EQ(list("big").error.code(), ec::not_found) << "nothing was added";
}

TEST_F(limits, a_big_list_comes_in_pages_that_each_fit_in_a_reply) {
  // 2,500 values of 128 bytes with a 1,000-byte reason: about 2.9 MB.
  std::vector<std::string> values;
  for (int i = 0; i < 2500; ++i) {
    auto v = "v" + std::to_string(10000 + i);
    values.push_back(v + std::string(128 - v.size(), 'x'));
  }
  ASSERT_FALSE(add("big", values, std::string(1000, 'r')).error);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    protocol::lists_query q;
    q.list = "big";
    q.cursor = cursor;
    std::size_t bytes = 0;
    auto r = ask_sized<protocol::lists_reply>("fraud.lists.get", q, bytes);
    ASSERT_FALSE(r.error) << r.error.what();
    EXPECT_LE(bytes, protocol::max_reply_bytes);
    ASSERT_EQ(r.lists.size(), 1u);
    EXPECT_EQ(r.lists[0].size, 2500u) << "size counts every entry";
    EXPECT_LE(r.lists[0].entries.size(), protocol::max_query_limit);
    for (auto& e : r.lists[0].entries)
      seen.push_back(e.value);
    cursor = r.next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_GE(pages, 3) << "1,000 entries of this size are over 1 MiB";
  EXPECT_EQ(seen, values) << "every value once, in order";

  auto small = list("big", "", 10);
  ASSERT_EQ(small.lists.size(), 1u);
  EXPECT_EQ(small.lists[0].entries.size(), 10u);
  EXPECT_EQ(small.next_cursor, values[9]);

  int rc = 0;
  auto out = ctl("--json lists get big", rc);
  EXPECT_EQ(rc, 0);
  std::size_t shown = 0;
  for (auto at = out.find("\"value\""); at != std::string::npos;
       at = out.find("\"value\"", at + 1))
    ++shown;
  EXPECT_EQ(shown, 2500u) << "fraudctl reads every page";
}

// ---- queries --------------------------------------------------------------

TEST_F(limits, a_limit_over_the_most_rows_is_limit_exceeded) {
  auto over = protocol::max_query_limit + 1;
  protocol::decisions_query dq;
  dq.limit = over;
  EXPECT_TRUE(limited(
    ask<protocol::decisions_reply>("fraud.query.decisions", dq).error,
    "limit"));
  EXPECT_TRUE(limited(ask<protocol::card_reply>(
                        "fraud.query.card", protocol::card_query{"c", over})
                        .error,
                      "limit"));
  EXPECT_TRUE(limited(ask<protocol::rules_history_reply>(
                        "fraud.rules.history",
                        protocol::rules_history_request{over})
                        .error,
                      "limit"));
  protocol::shadow_query sq;
  sq.limit = over;
  EXPECT_TRUE(limited(
    ask<protocol::shadow_reply>("fraud.rules.shadow", sq).error, "limit"));
  EXPECT_TRUE(limited(list("any", "", over).error, "limit"));
  EXPECT_EQ(requests_limited(), 5u);
  EXPECT_TRUE(score(card_tx("card-1", 0)).ok);
}

// 32 rules and 32 shadow rules that fire on every transaction, each saying
// as much as a reason keeps: decisions of about 18 KB.
std::string wordy_rules() {
  std::string text;
  std::string say(models::rules::max_detail_bytes - 12, 'w');
  for (int i = 0; i < 32; ++i) {
    text += "score r" + std::to_string(i) + ": +1 when amount > 0 say \""
            + say + " {amount:2}\"\n";
    text += "score s" + std::to_string(i)
            + ": shadow +1 when amount > 0 say \"" + say + " {amount:2}\"\n";
  }
  return text;
}

TEST_F(limits, decisions_too_big_for_one_reply_come_in_pages) {
  auto r = set(wordy_rules());
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  constexpr int n = 100;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(score(card_tx("card-w", i)).ok);
  protocol::decisions_query all;
  all.card_id = "card-w";
  all.limit = 1000;
  ASSERT_TRUE(test::eventually([&] {
    std::set<std::string> ids;
    auto q = all;
    for (int page = 0; page < 10; ++page) {
      auto p = ask<protocol::decisions_reply>("fraud.query.decisions", q);
      for (auto& d : p.decisions)
        ids.insert(d.decision.tx_id);
      if (p.next_cursor.empty())
        break;
      q.cursor = p.next_cursor;
    }
    return ids.size() == n;
  })) << "not every decision was stored";

  std::size_t bytes = 0;
  auto first = ask_sized<protocol::decisions_reply>("fraud.query.decisions",
                                                    all, bytes);
  ASSERT_FALSE(first.error) << first.error.what();
  EXPECT_LE(bytes, protocol::max_reply_bytes);
  EXPECT_LT(first.decisions.size(), std::size_t{n}) << bytes << " bytes";
  EXPECT_FALSE(first.next_cursor.empty());

  auto card = ask_sized<protocol::card_reply>(
    "fraud.query.card", protocol::card_query{"card-w", 1000}, bytes);
  ASSERT_FALSE(card.error) << card.error.what();
  EXPECT_LE(bytes, protocol::max_reply_bytes);
  EXPECT_LT(card.decisions.size(), std::size_t{n});
  ASSERT_FALSE(card.next_cursor.empty());
  auto rest = all;
  rest.cursor = card.next_cursor;
  auto older = ask<protocol::decisions_reply>("fraud.query.decisions", rest);
  ASSERT_FALSE(older.decisions.empty());
  EXPECT_EQ(older.decisions[0].decision.tx_id,
            "card-w-" + std::to_string(n - 1 - card.decisions.size()))
    << "the card's page goes on where it stopped";

  protocol::shadow_query sq;
  sq.rule = "s7";
  sq.limit = 1000;
  auto shadow = ask_sized<protocol::shadow_reply>("fraud.rules.shadow", sq,
                                                  bytes);
  ASSERT_FALSE(shadow.error) << shadow.error.what();
  EXPECT_LE(bytes, protocol::max_reply_bytes);
  EXPECT_LT(shadow.decisions.size(), std::size_t{n});
  std::set<std::string> shadowed;
  for (int page = 0; page < 10; ++page) {
    for (auto& d : shadow.decisions)
      shadowed.insert(d.decision.tx_id);
    if (shadow.next_cursor.empty())
      break;
    sq.cursor = shadow.next_cursor;
    shadow = ask<protocol::shadow_reply>("fraud.rules.shadow", sq);
  }
  EXPECT_EQ(shadowed.size(), std::size_t{n});
  EXPECT_EQ(requests_limited(), 0u) << "paging is not a limit hit";
}

class few_steps : public limits {
protected:
  few_steps() { options = {"--query-max-steps", "1000"}; }
};

TEST_F(few_steps, a_search_that_runs_out_of_steps_says_so) {
  // Five approvals, then 2,000 declines: approvals are not indexed, so
  // looking for them reads the declines one by one.
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(score(card_tx("card-a" + std::to_string(i), 0)).ok);
  auto r = set("rule all: decline when amount > 0\n");
  ASSERT_FALSE(r.error) << r.error.what();
  for (int i = 0; i < 2000; ++i)
    ASSERT_TRUE(score(card_tx("card-d" + std::to_string(i), 0)).ok);
  protocol::decisions_query declines;
  declines.action = models::action::decline;
  declines.limit = 1;
  ASSERT_TRUE(test::eventually([&] {
    auto p = ask<protocol::decisions_reply>("fraud.query.decisions",
                                            declines);
    return !p.decisions.empty() && p.decisions[0].decision.card_id
                                     == "card-d1999";
  })) << "the last decision was never stored";

  protocol::decisions_query approvals;
  approvals.action = models::action::approve;
  auto p = ask<protocol::decisions_reply>("fraud.query.decisions", approvals);
  EXPECT_TRUE(limited(p.error, "query_max_steps"));
  EXPECT_NE(p.error.what().find("narrow it"), std::string::npos)
    << p.error.what();
  // Narrowed, the same search is cheap: by card, through its index.
  approvals.card_id = "card-a3";
  p = ask<protocol::decisions_reply>("fraud.query.decisions", approvals);
  ASSERT_FALSE(p.error) << p.error.what();
  EXPECT_EQ(p.decisions.size(), 1u);
  // Found some, then ran out: those, and where to go on.
  declines.limit = 1000;
  p = ask<protocol::decisions_reply>("fraud.query.decisions", declines);
  ASSERT_FALSE(p.error) << p.error.what();
  EXPECT_FALSE(p.decisions.empty());
  EXPECT_LT(p.decisions.size(), 1000u);
  EXPECT_FALSE(p.next_cursor.empty());
  EXPECT_EQ(requests_limited(), 1u);
  EXPECT_TRUE(score(card_tx("card-z", 0)).ok);
}

} // namespace
