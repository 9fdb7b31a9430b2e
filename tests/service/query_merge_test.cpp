// The merging of several instances' answers (service/client/query_merge):
// pure functions, tested against stores simulated here as a fraudd's
// query responder reads its own (rows older than a cursor, newest first,
// its own position in a merged cursor). No NATS, no SQLite.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "protocol/merged_cursor.hpp"
#include "service/client/query_merge.hpp"

namespace fraud::service {
namespace {

using protocol::decision_view;

decision_view row(const std::string& tx, std::int64_t decided_at_ms,
                  const std::string& card = "card-1") {
  decision_view v;
  v.decision.tx_id = tx;
  v.decision.card_id = card;
  v.env.decided_at_ms = decided_at_ms;
  return v;
}

// One instance's decision store: rows by id (1, 2, ...), ids in the order
// written, as the SQLite table keeps them.
struct store {
  std::string instance;
  std::vector<decision_view> rows;  // rows[i] has id i + 1
  std::uint32_t instances = 2;
  std::size_t page_cap = 1000;      // fewer than asked: a reply's bytes

  // What query_responder answers to fraud.query.decisions.
  protocol::decisions_reply answer(const std::string& cursor,
                                   std::uint32_t limit) const {
    protocol::decisions_reply r;
    r.origin = {instance, instances};
    std::int64_t below = static_cast<std::int64_t>(rows.size()) + 1;
    std::int64_t until = 0;
    if (protocol::is_merged_cursor(cursor)) {
      protocol::merged_cursor m;
      EXPECT_FALSE(protocol::parse_merged_cursor(cursor, m));
      auto at = protocol::position_of(m, instance);
      if (at.done)
        return r;
      if (at.cursor > 0)
        below = at.cursor;
      until = at.until_ms;
    } else if (!cursor.empty()) {
      below = std::stoll(cursor);
    }
    std::size_t cap = std::min<std::size_t>(limit, page_cap);
    for (auto id = below - 1; id >= 1; --id) {
      auto& v = rows[static_cast<std::size_t>(id - 1)];
      if (until > 0 && v.env.decided_at_ms >= until)
        continue;
      if (r.decisions.size() == cap) {
        r.next_cursor = std::to_string(id + 1);
        break;
      }
      r.decisions.push_back(v);
      r.cursors.push_back(std::to_string(id + 1));
    }
    return r;
  }
};

std::vector<protocol::decisions_reply>
ask(const std::vector<store>& stores, const std::string& cursor,
    std::uint32_t limit) {
  std::vector<protocol::decisions_reply> out;
  for (auto& s : stores)
    out.push_back(s.answer(cursor, limit));
  return out;
}

std::vector<std::string> tx_ids(const std::vector<decision_view>& rows) {
  std::vector<std::string> out;
  for (auto& v : rows)
    out.push_back(v.decision.tx_id);
  return out;
}

TEST(query_merge, a_lone_fraudd_is_answered_as_it_answered) {
  store a{"fraudd", {row("t1", 10), row("t2", 20), row("t3", 30)}, 1};
  auto r = merge_decisions(ask({a}, "", 2), 2, "");
  EXPECT_EQ(tx_ids(r.decisions), (std::vector<std::string>{"t3", "t2"}));
  EXPECT_EQ(r.next_cursor, "2");  // the store's own cursor, as before
  EXPECT_EQ(r.origin.instance, "fraudd");
}

TEST(query_merge, two_instances_newest_first_within_the_limit) {
  store a{"a", {row("a1", 10), row("a2", 30), row("a3", 50)}};
  store b{"b", {row("b1", 20), row("b2", 40)}};
  auto r = merge_decisions(ask({a, b}, "", 3), 3, "");
  EXPECT_EQ(tx_ids(r.decisions), (std::vector<std::string>{"a3", "b2", "a2"}));
  ASSERT_TRUE(protocol::is_merged_cursor(r.next_cursor)) << r.next_cursor;
  auto rest = merge_decisions(ask({a, b}, r.next_cursor, 3), 3,
                              r.next_cursor);
  EXPECT_EQ(tx_ids(rest.decisions), (std::vector<std::string>{"b1", "a1"}));
  EXPECT_EQ(rest.next_cursor, "");
}

TEST(query_merge, stops_where_an_instance_has_unseen_rows) {
  // b's page holds one row of its three: its second could be newer than
  // anything of a's that is left, so the page ends after b's first.
  store a{"a", {row("a1", 10), row("a2", 20), row("a3", 30)}};
  store b{"b", {row("b1", 5), row("b2", 15), row("b3", 25)}};
  b.page_cap = 1;
  auto r = merge_decisions(ask({a, b}, "", 10), 10, "");
  EXPECT_EQ(tx_ids(r.decisions), (std::vector<std::string>{"a3", "b3"}));
  EXPECT_FALSE(r.next_cursor.empty());
}

// Pages until the end, with stores that cap their pages differently:
// every row once, newest first, whatever the page sizes.
TEST(query_merge, paging_across_instances_shows_every_row_once_in_order) {
  std::mt19937 rng{14};
  for (int round = 0; round < 50; ++round) {
    std::vector<store> stores;
    std::vector<decision_view> everything;
    int n_stores = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < n_stores; ++s) {
      store st{"i" + std::to_string(s), {}};
      st.page_cap = 1 + rng() % 7;
      std::int64_t t = 1000;
      for (int i = 0, n = static_cast<int>(rng() % 30); i < n; ++i) {
        t += static_cast<std::int64_t>(rng() % 5);  // ties too
        st.rows.push_back(row(st.instance + "-" + std::to_string(i), t));
        everything.push_back(st.rows.back());
      }
      stores.push_back(std::move(st));
    }
    std::uint32_t limit = 1 + rng() % 10;
    std::vector<decision_view> shown;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      auto r = merge_decisions(ask(stores, cursor, limit), limit, cursor);
      ASSERT_FALSE(r.error);
      ASSERT_LE(r.decisions.size(), limit);
      shown.insert(shown.end(), r.decisions.begin(), r.decisions.end());
      if (r.next_cursor.empty())
        break;
      ASSERT_FALSE(r.decisions.empty()) << "a page that does not move on";
      cursor = r.next_cursor;
    }
    ASSERT_EQ(shown.size(), everything.size()) << "round " << round;
    std::set<std::string> ids;
    for (auto& v : shown)
      ids.insert(v.decision.tx_id);
    EXPECT_EQ(ids.size(), everything.size());
    EXPECT_TRUE(std::is_sorted(shown.begin(), shown.end(),
                               [](auto& x, auto& y) {
                                 return x.env.decided_at_ms
                                        > y.env.decided_at_ms;
                               }))
      << "round " << round;
  }
}

TEST(query_merge, an_instance_that_misses_a_page_keeps_its_place) {
  store a{"a", {row("a1", 10), row("a2", 30)}};
  store b{"b", {row("b1", 20), row("b2", 40)}};
  auto first = merge_decisions(ask({a, b}, "", 1), 1, "");
  EXPECT_EQ(tx_ids(first.decisions), std::vector<std::string>{"b2"});
  // Only a answers the second page; b's place stays in the cursor.
  auto second = merge_decisions(ask({a}, first.next_cursor, 1), 1,
                                first.next_cursor);
  EXPECT_EQ(tx_ids(second.decisions), std::vector<std::string>{"a2"});
  protocol::merged_cursor m;
  ASSERT_FALSE(protocol::parse_merged_cursor(second.next_cursor, m));
  EXPECT_EQ(protocol::position_of(m, "b").cursor, 2);
}

TEST(query_merge, an_instance_first_seen_later_starts_at_the_watermark) {
  store a{"a", {row("a1", 10), row("a2", 30)}};
  store b{"b", {row("b1", 20), row("b2", 40)}};
  auto first = merge_decisions(ask({a}, "", 1), 1, "");  // b did not answer
  EXPECT_EQ(tx_ids(first.decisions), std::vector<std::string>{"a2"});
  auto rest = merge_decisions(ask({a, b}, first.next_cursor, 10), 10,
                              first.next_cursor);
  // b2 (40) is newer than what was shown: it belonged to page one.
  EXPECT_EQ(tx_ids(rest.decisions), (std::vector<std::string>{"b1", "a1"}));
}

TEST(query_merge, a_failed_instance_fails_the_merge_naming_it) {
  store a{"a", {row("a1", 10)}};
  auto replies = ask({a}, "", 10);
  protocol::decisions_reply bad;
  bad.origin = {"b", 2};
  bad.error = fraud::error{ec::internal, "disk I/O error"};
  replies.push_back(bad);
  auto r = merge_decisions(replies, 10, "");
  EXPECT_EQ(r.error.code(), ec::internal);
  EXPECT_NE(r.error.what().find("instance b"), std::string::npos);
  EXPECT_TRUE(r.decisions.empty());
}

TEST(query_merge, the_first_decision_of_a_tx_wins) {
  auto with = [](const std::string& instance, std::int64_t at) {
    protocol::decision_reply r;
    r.origin = {instance, 2};
    r.decision = row("t1", at);
    return r;
  };
  protocol::decision_reply none;
  none.origin = {"c", 2};
  none.error = fraud::error::in_field(ec::not_found, "tx_id", "no decision");
  auto r = merge_decision({none, with("b", 200), with("a", 100)});
  ASSERT_TRUE(r.decision);
  EXPECT_EQ(r.decision->env.decided_at_ms, 100);
  EXPECT_EQ(r.origin.instance, "a");
  auto missing = merge_decision({none, none});
  EXPECT_EQ(missing.error.code(), ec::not_found);
}

protocol::card_reply card_of(const store& s, bool active,
                             std::int64_t last_event_ms,
                             std::uint32_t limit) {
  protocol::card_reply r;
  auto page = s.answer("", limit);
  r.card_id = "card-1";
  r.active = active;
  r.card.last_event_ms = last_event_ms;
  r.card.tx_count = active ? 7 : 0;
  r.decisions = page.decisions;
  r.cursors = page.cursors;
  r.next_cursor = page.next_cursor;
  r.origin = page.origin;
  if (!active && r.decisions.empty())
    r.error = fraud::error::in_field(ec::not_found, "card_id", "unknown");
  return r;
}

TEST(query_merge, a_card_after_a_failover) {
  store before{"a", {row("t1", 10), row("t2", 20)}};
  store after{"b", {row("t3", 30), row("t4", 40)}};
  store elsewhere{"c", {}};
  auto r = merge_card({card_of(before, false, 0, 3),
                       card_of(after, true, 40, 3),
                       card_of(elsewhere, false, 0, 3)},
                      3);
  ASSERT_FALSE(r.error) << r.error.what();
  EXPECT_TRUE(r.active);
  EXPECT_EQ(r.card.tx_count, 7u);  // the state of the instance holding it
  EXPECT_EQ(tx_ids(r.decisions), (std::vector<std::string>{"t4", "t3", "t2"}));
  ASSERT_TRUE(protocol::is_merged_cursor(r.next_cursor));
  // fraud.query.decisions with the card goes on from there.
  auto rest = merge_decisions(ask({before, after, elsewhere}, r.next_cursor,
                                  3),
                              3, r.next_cursor);
  EXPECT_EQ(tx_ids(rest.decisions), std::vector<std::string>{"t1"});
  EXPECT_EQ(rest.next_cursor, "");
  auto unknown = merge_card({card_of(elsewhere, false, 0, 3)}, 3);
  EXPECT_EQ(unknown.error.code(), ec::not_found);
}

TEST(query_merge, stats_add_up) {
  protocol::stats_reply a, b;
  a.origin = {"a", 2};
  b.origin = {"b", 2};
  a.received = 10;
  b.received = 5;
  a.declined = 1;
  b.declined = 2;
  a.uptime_ms = 1000;
  b.uptime_ms = 5000;
  a.latency_since_start = {10, 100, 200, 300, 400, 500};
  b.latency_since_start = {5, 150, 180, 900, 950, 990};
  a.rule_hits = {{"velocity", 3}, {"travel", 1}};
  b.rule_hits = {{"travel", 4}};
  a.ruleset_version = b.ruleset_version = "rules-3";
  auto s = merge_stats({a, b});
  EXPECT_EQ(s.received, 15u);
  EXPECT_EQ(s.declined, 3u);
  EXPECT_EQ(s.uptime_ms, 5000);
  EXPECT_EQ(s.latency_since_start.count, 15u);
  EXPECT_EQ(s.latency_since_start.p50_us, 150);  // the worst instance's
  EXPECT_EQ(s.latency_since_start.p99_us, 900);
  EXPECT_EQ(s.latency_since_start.max_us, 990);
  using hits = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(s.rule_hits, (hits{{"travel", 5}, {"velocity", 3}}));
  EXPECT_EQ(s.ruleset_version, "rules-3");
  EXPECT_EQ(s.origin.instances, 2u);
  b.ruleset_version = "rules-4";
  EXPECT_EQ(merge_stats({a, b}).ruleset_version, "rules-3,rules-4");
  EXPECT_EQ(merge_stats({a}).received, 10u);  // one instance: as it said
}

} // namespace
} // namespace fraud::service
