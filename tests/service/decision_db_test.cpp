// The decision store against a real SQLite file: writing, idempotency,
// queries and paging, retention, schema migration.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "service/decision_db_reader.hpp"
#include "service/decision_db.hpp"
#include "service/decision_schema.hpp"
#include "service/shadow_queries.hpp"
#include "tests/support/decision_payloads.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;

using test::decoded;
using test::encoded;

class decision_store : public ::testing::Test {
protected:
  void SetUp() override {
    auto s = service::decision_db::open(path());
    ASSERT_TRUE(s) << fraud::to_string(s.error());
    store = std::move(*s);
    auto q = service::decision_db_reader::open(path());
    ASSERT_TRUE(q) << fraud::to_string(q.error());
    queries = std::move(*q);
  }

  std::string path() const { return dir.file("decisions.db"); }

  void write(std::vector<std::string> payloads) {
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    auto n = store->write(views);
    ASSERT_TRUE(n) << fraud::to_string(n.error());
  }

  std::vector<std::string> ids(const service::decision_filter& f) {
    auto page = queries->search(f);
    EXPECT_TRUE(page);
    std::vector<std::string> out;
    for (auto& p : page->decisions)
      out.push_back(decoded(p).tx_id);
    return out;
  }

  // Every page of f, as tx_ids.
  std::vector<std::string> all_pages(service::decision_filter f) {
    std::vector<std::string> out;
    for (;;) {
      auto page = queries->search(f);
      EXPECT_TRUE(page);
      if (!page)
        return out;
      for (auto& p : page->decisions)
        out.push_back(decoded(p).tx_id);
      if (page->next_cursor == 0)
        return out;
      f.cursor = page->next_cursor;
    }
  }

  test::temp_dir dir;
  std::unique_ptr<service::decision_db> store;
  std::unique_ptr<service::decision_db_reader> queries;
};

TEST_F(decision_store, finds_a_decision_by_tx_id_with_all_its_fields) {
  write({encoded("tx-1", "card-1", models::action::decline, 1000,
                 {"impossible_travel", "amount_spike"})});
  auto found = queries->by_tx("tx-1");
  ASSERT_TRUE(found);
  auto d = decoded(*found);
  EXPECT_EQ(d.card_id, "card-1");
  EXPECT_EQ(d.action, models::action::decline);
  ASSERT_EQ(d.reasons.size(), 2u);
  EXPECT_EQ(d.reasons[1].rule, "amount_spike");
  EXPECT_EQ(d.currency, "EUR");
  EXPECT_EQ(d.merchant_id, "m-7");
  auto missing = queries->by_tx("tx-nope");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->empty());
}

TEST_F(decision_store, a_tx_id_is_stored_once_and_keeps_its_first_decision) {
  write({encoded("tx-1", "card-1", models::action::approve, 1000)});
  std::vector<std::string> again{
    encoded("tx-1", "card-1", models::action::decline, 2000)};
  std::vector<std::string_view> views(again.begin(), again.end());
  auto added = store->write(views);
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 0u);
  EXPECT_EQ(decoded(*queries->by_tx("tx-1")).action, models::action::approve);
  // As a card reads it for a re-send.
  service::decision_read_pool reads{path()};
  auto first = reads.find("tx-1");
  ASSERT_TRUE(first);
  EXPECT_EQ(decoded(*first).action, models::action::approve);
}

// Decisions are inserted many rows to a statement: a tx_id seen before,
// or earlier in the same batch, is still stored once with its first
// decision, and the later one indexes nothing.
TEST_F(decision_store, a_repeated_tx_id_in_a_large_batch_keeps_its_first) {
  write({encoded("tx-5", "card-1", models::action::approve, 500)});
  std::vector<std::string> batch;
  for (int i = 0; i < 70; ++i)
    batch.push_back(encoded("tx-" + std::to_string(i), "card-1",
                            models::action::decline, 1000 + i, {"first"}));
  batch.push_back(encoded("tx-40", "card-1", models::action::review, 2000,
                          {"second"}));
  std::vector<std::string_view> views(batch.begin(), batch.end());
  auto added = store->write(views);
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 69u);  // tx-5 stored before, tx-40 twice in the batch
  EXPECT_EQ(decoded(*queries->by_tx("tx-5")).action, models::action::approve);
  EXPECT_EQ(decoded(*queries->by_tx("tx-40")).action, models::action::decline);
  EXPECT_EQ(decoded(*queries->by_tx("tx-69")).action, models::action::decline);
  service::decision_filter f;
  f.rule = "second";
  EXPECT_TRUE(ids(f).empty());
  f.rule = "first";
  f.bounds.limit = 100;
  EXPECT_EQ(ids(f).size(), 69u);
  service::decision_filter reviews;
  reviews.action = models::action::review;
  EXPECT_TRUE(ids(reviews).empty());
  EXPECT_EQ(store->cases_opened(), 0u);
  service::decision_filter all;
  all.bounds.limit = 3;
  EXPECT_EQ(ids(all), (std::vector<std::string>{"tx-69", "tx-68", "tx-67"}));
}

TEST_F(decision_store, filters_combine_and_come_newest_first) {
  write({encoded("a1", "card-a", models::action::approve, 1000),
         encoded("a2", "card-a", models::action::decline, 2000,
                 {"card_testing"}),
         encoded("b1", "card-b", models::action::decline, 3000,
                 {"impossible_travel"}),
         encoded("a3", "card-a", models::action::review, 4000,
                 {"card_testing", "velocity_spike"})});
  service::decision_filter f;
  EXPECT_EQ(ids(f), (std::vector<std::string>{"a3", "b1", "a2", "a1"}));
  f.action = models::action::decline;
  EXPECT_EQ(ids(f), (std::vector<std::string>{"b1", "a2"}));
  // Approvals are not in the action index (schema 4); still found.
  service::decision_filter approved;
  approved.action = models::action::approve;
  EXPECT_EQ(ids(approved), (std::vector<std::string>{"a1"}));
  f.card_id = "card-a";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"a2"}));
  service::decision_filter by_rule;
  by_rule.rule = "card_testing";
  EXPECT_EQ(ids(by_rule), (std::vector<std::string>{"a3", "a2"}));
  by_rule.since_ms = 3000;
  EXPECT_EQ(ids(by_rule), (std::vector<std::string>{"a3"}));
  service::decision_filter window;
  window.since_ms = 2000;
  window.until_ms = 4000;
  EXPECT_EQ(ids(window), (std::vector<std::string>{"b1", "a2"}));
}

TEST_F(decision_store, pages_follow_the_cursor_without_gaps_or_repeats) {
  std::vector<std::string> rows;
  for (int i = 0; i < 25; ++i)
    rows.push_back(encoded("tx-" + std::to_string(i), "card-1",
                           models::action::approve, 1000 + i));
  write(rows);
  service::decision_filter f;
  f.bounds.limit = 10;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = queries->search(f);
    ASSERT_TRUE(page);
    ++pages;
    for (auto& p : page->decisions)
      seen.push_back(decoded(p).tx_id);
    if (page->next_cursor == 0)
      break;
    f.cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(seen[i], "tx-" + std::to_string(24 - i));
}

TEST_F(decision_store, retention_purges_old_decisions_and_their_rules) {
  write({encoded("old", "card-1", models::action::decline, 1000,
                 {"card_testing"}),
         encoded("new", "card-1", models::action::decline, 5000,
                 {"card_testing"})});
  auto purged = store->purge_before(3000);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1u);
  service::decision_filter f;
  f.rule = "card_testing";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"new"}));
  EXPECT_TRUE(queries->by_tx("old")->empty());
}

TEST_F(decision_store, counts_rule_hits_as_it_stores) {
  write({encoded("1", "c", models::action::decline, 1, {"x", "y"}),
         encoded("2", "c", models::action::decline, 2, {"x"})});
  auto hits = store->rule_hits();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0], (std::pair<std::string, std::uint64_t>{"x", 2}));
  EXPECT_EQ(hits[1], (std::pair<std::string, std::uint64_t>{"y", 1}));
}

// Schema 9 keeps a rule's decisions as one posting per written batch: a
// rule's pages run across batches newest first, without gaps or repeats.
TEST_F(decision_store, a_rules_and_an_actions_pages_run_across_batches) {
  for (int b = 0; b < 4; ++b) {
    std::vector<std::string> batch;
    for (int i = 0; i < 6; ++i) {
      auto n = b * 6 + i;
      batch.push_back(encoded("tx-" + std::to_string(n), "card-1",
                              models::action::decline, 1000 + n,
                              n % 2 ? std::vector<std::string>{"odd"}
                                    : std::vector<std::string>{"even", "odd"}));
    }
    write(batch);
  }
  service::decision_filter f;
  f.rule = "even";
  f.bounds.limit = 5;
  std::vector<std::string> expected;
  for (int n = 22; n >= 0; n -= 2)
    expected.push_back("tx-" + std::to_string(n));
  EXPECT_EQ(all_pages(f), expected);
  f.rule = "odd";
  f.since_ms = 1000 + 20;
  EXPECT_EQ(all_pages(f),
            (std::vector<std::string>{"tx-23", "tx-22", "tx-21", "tx-20"}));
  service::decision_filter declines;  // the postings of declines
  declines.action = models::action::decline;
  declines.bounds.limit = 7;
  expected.clear();
  for (int n = 23; n >= 0; --n)
    expected.push_back("tx-" + std::to_string(n));
  EXPECT_EQ(all_pages(declines), expected);
  declines.action = models::action::review;
  EXPECT_TRUE(all_pages(declines).empty());
}

// The newest decision of a posting list costs the same however large the
// writer's batches were: a page reads a posting's ids from its newest, not
// the whole posting sorted first (a limit-1 search for the newest decline
// over one 20,000-decision batch ran out of a 1,000-step budget).
TEST_F(decision_store, the_newest_of_a_large_batch_costs_few_steps) {
  std::vector<std::string> batch;
  for (int n = 0; n < 20000; ++n) {
    auto d = decoded(encoded("tx-" + std::to_string(n), "card-1",
                             models::action::decline, 1000 + n, {"geo"}));
    d.shadow_reasons.push_back(models::reason{"s1", "because", 1, 2, 40});
    protocol::decision_envelope env;
    env.decided_at_ms = 1000 + n;
    batch.emplace_back();
    protocol::encode_decision(d, env, batch.back());
  }
  write(batch);
  for (auto by_rule : {false, true}) {
    service::decision_filter f;
    if (by_rule)
      f.rule = "geo";
    else
      f.action = models::action::decline;
    f.bounds.limit = 1;
    f.bounds.max_steps = 1000;
    auto page = queries->search(f);
    ASSERT_TRUE(page) << fraud::to_string(page.error());
    ASSERT_EQ(page->decisions.size(), 1u);
    EXPECT_EQ(decoded(page->decisions[0]).tx_id, "tx-19999");
    f.cursor = page->next_cursor;
    page = queries->search(f);
    ASSERT_TRUE(page) << fraud::to_string(page.error());
    ASSERT_EQ(page->decisions.size(), 1u);
    EXPECT_EQ(decoded(page->decisions[0]).tx_id, "tx-19998");
  }
  auto shadow = service::shadow_queries::open(path());
  ASSERT_TRUE(shadow);
  auto page = (*shadow)->decisions("s1", 0, 0, {1, 0, 1000});
  ASSERT_TRUE(page) << fraud::to_string(page.error());
  ASSERT_EQ(page->decisions.size(), 1u);
  EXPECT_EQ(decoded(page->decisions[0]).tx_id, "tx-19999");
}

// A posting list the rest of the filter rejects is walked within the
// step budget: found nothing, the search says so and how to narrow it.
TEST_F(decision_store, a_posting_walk_stops_at_the_step_budget) {
  std::vector<std::string> batch;
  for (int n = 0; n < 5000; ++n)
    batch.push_back(encoded("tx-" + std::to_string(n), "card-1",
                            models::action::decline, 1000 + n, {"geo"}));
  write(batch);
  service::decision_filter f;
  f.rule = "geo";
  f.until_ms = 1000;  // before every one of them
  f.bounds.max_steps = 1000;
  auto page = queries->search(f);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().field(), "query_max_steps")
    << fraud::to_string(page.error());
  f.bounds.max_steps = 0;
  page = queries->search(f);
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->decisions.empty());
}

// Without a time index, a time bound is an id bound found through the
// batches' running maximum: it holds when decisions reach the writer out
// of their decided_at order, within a batch and across batches.
TEST_F(decision_store, time_bounds_hold_for_decisions_stored_out_of_order) {
  write({encoded("t5000", "card-1", models::action::decline, 5000, {"r"}),
         encoded("t1000", "card-1", models::action::decline, 1000, {"r"})});
  write({encoded("t3000", "card-1", models::action::decline, 3000, {"r"}),
         encoded("t2000", "card-1", models::action::decline, 2000, {"r"})});
  write({encoded("t6000", "card-1", models::action::decline, 6000, {"r"})});
  service::decision_filter f;
  f.since_ms = 3000;
  EXPECT_EQ(ids(f), (std::vector<std::string>{"t6000", "t3000", "t5000"}));
  f.until_ms = 5000;
  EXPECT_EQ(ids(f), (std::vector<std::string>{"t3000"}));
  f.until_ms = 0;
  f.since_ms = 7000;
  EXPECT_TRUE(ids(f).empty());
  f.since_ms = 2000;
  f.rule = "r";
  EXPECT_EQ(ids(f),
            (std::vector<std::string>{"t6000", "t2000", "t3000", "t5000"}));
  auto purged = store->purge_before(2500);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 2u);  // t1000 and t2000, though t2000 came late
  f.since_ms = 0;
  EXPECT_EQ(ids(f), (std::vector<std::string>{"t6000", "t3000", "t5000"}));
}

// A posting names decisions by id: an id is never given twice, even when
// retention emptied the store and it was opened again.
TEST_F(decision_store, ids_are_not_reused_after_retention_empties_the_store) {
  write({encoded("old-1", "card-1", models::action::decline, 1000,
                 {"card_testing"}),
         encoded("old-2", "card-1", models::action::decline, 1001,
                 {"card_testing"})});
  auto purged = store->purge_before(5000);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 2u);
  store.reset();
  auto reopened = service::decision_db::open(path());
  ASSERT_TRUE(reopened) << fraud::to_string(reopened.error());
  store = std::move(*reopened);
  write({encoded("new-1", "card-1", models::action::approve, 6000),
         encoded("new-2", "card-1", models::action::approve, 6001)});
  service::decision_filter f;
  f.rule = "card_testing";
  EXPECT_TRUE(ids(f).empty());
  service::decision_filter all;
  EXPECT_EQ(ids(all), (std::vector<std::string>{"new-2", "new-1"}));
  all.since_ms = 6001;
  EXPECT_EQ(ids(all), (std::vector<std::string>{"new-2"}));
}

TEST(decision_schema, migrates_a_version_1_database_and_indexes_its_rules) {
  test::temp_dir dir;
  auto path = dir.file("old.db");
  {
    // What a version-1 fraudd left behind.
    auto db = service::sqlite_connection::open(path, true);
    ASSERT_TRUE(db);
    ASSERT_FALSE(service::migrate(**db, 1));
    ASSERT_EQ(*(*db)->user_version(), 1);
    auto payload = encoded("v1-tx", "card-1", models::action::decline, 1000,
                           {"impossible_travel"});
    auto st = (*db)->prepare(
      "INSERT INTO decisions(tx_id, card_id, action, score, amount_minor, "
      "currency, merchant_id, mcc, country, channel, event_time_ms, "
      "decided_at_ms, ruleset_version, latency_ns, rules, payload) VALUES "
      "('v1-tx','card-1',2,80,1234,'EUR','m',1,'DE',2,995,1000,'t',1,"
      "'impossible_travel',?)");
    ASSERT_TRUE(st);
    st->bind_blob(1, payload);
    ASSERT_EQ(st->step(), SQLITE_DONE);
  }
  auto store = service::decision_db::open(path);
  ASSERT_TRUE(store) << fraud::to_string(store.error());
  auto queries = service::decision_db_reader::open(path);
  ASSERT_TRUE(queries);
  service::decision_filter f;
  f.rule = "impossible_travel";
  auto page = (*queries)->search(f);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->decisions.size(), 1u);
  EXPECT_EQ(decoded(page->decisions[0]).tx_id, "v1-tx");
  service::decision_filter declines;  // through the postings of declines
  declines.action = models::action::decline;
  page = (*queries)->search(declines);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->decisions.size(), 1u);
  auto db = service::sqlite_connection::open(path, false);
  EXPECT_EQ(*(*db)->user_version(), service::decision_schema_version);
  // Recent declines read the postings of declines (schema 9), newest
  // first through their index, not the whole table (service/posting_rows).
  auto plan = (*db)->prepare(
    "EXPLAIN QUERY PLAN SELECT ids FROM decision_postings WHERE kind = 3 "
    "AND name = '2' AND first_id < 100 AND last_id >= 0 ORDER BY first_id "
    "DESC");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->step(), SQLITE_ROW);
  EXPECT_NE(plan->text(3).find("decision_postings_by_name (kind=? AND name=? "
                               "AND first_id<?)"),
            std::string::npos)
    << plan->text(3);
  EXPECT_EQ(plan->step(), SQLITE_DONE) << "no sort: " << plan->text(3);
}

TEST(decision_schema, migrates_a_version_8_database_to_postings_and_batches) {
  test::temp_dir dir;
  auto path = dir.file("v8.db");
  {
    // What a version-8 fraudd left behind: a row per fired rule.
    auto db = service::sqlite_connection::open(path, true);
    ASSERT_TRUE(db);
    ASSERT_FALSE(service::migrate(**db, 8));
    auto st = (*db)->prepare(
      "INSERT INTO decisions(tx_id, card_id, action, score, amount_minor, "
      "currency, merchant_id, mcc, country, channel, event_time_ms, "
      "decided_at_ms, ruleset_version, latency_ns, rules, payload) VALUES "
      "(?1,'card-1',2,80,1234,'EUR','m',1,'DE',2,?2,?2,'t',1,'geo',?3)");
    ASSERT_TRUE(st);
    for (int i = 0; i < 3; ++i) {
      auto tx = "v8-" + std::to_string(i);
      auto payload = encoded(tx, "card-1", models::action::decline,
                             1000 * (i + 1), {"geo"});
      st->bind(1, tx, true);
      st->bind(2, std::int64_t{1000 * (i + 1)});
      st->bind_blob(3, payload);
      ASSERT_EQ(st->step(), SQLITE_DONE);
      st->reset();
    }
    ASSERT_FALSE((*db)->exec(
      "INSERT INTO decision_rules(rule, decision_id) SELECT 'geo', id FROM "
      "decisions; INSERT INTO decision_shadow_rules(rule, decision_id) "
      "SELECT 'shadow_geo', id FROM decisions WHERE decided_at_ms >= 2000"));
  }
  auto store = service::decision_db::open(path);
  ASSERT_TRUE(store) << fraud::to_string(store.error());
  std::vector<std::string> later{encoded("v9-0", "card-1",
                                         models::action::decline, 4000,
                                         {"geo"})};
  std::vector<std::string_view> views(later.begin(), later.end());
  ASSERT_TRUE((*store)->write(views));
  auto queries = service::decision_db_reader::open(path);
  ASSERT_TRUE(queries);
  auto tx_ids = [&](const service::decision_filter& f) {
    auto page = (*queries)->search(f);
    EXPECT_TRUE(page);
    std::vector<std::string> out;
    for (auto& p : page->decisions)
      out.push_back(decoded(p).tx_id);
    return out;
  };
  service::decision_filter f;
  f.rule = "geo";
  EXPECT_EQ(tx_ids(f), (std::vector<std::string>{"v9-0", "v8-2", "v8-1", "v8-0"}));
  f.since_ms = 2000;
  EXPECT_EQ(tx_ids(f), (std::vector<std::string>{"v9-0", "v8-2", "v8-1"}));
  auto shadow = service::shadow_queries::open(path);
  ASSERT_TRUE(shadow);
  auto hits = (*shadow)->hits(0, 0);
  ASSERT_TRUE(hits);
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].rule, "shadow_geo");
  EXPECT_EQ((*hits)[0].fired, 2u);
  auto page = (*shadow)->decisions("shadow_geo", 3000, 0, {});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->decisions.size(), 1u);
  EXPECT_EQ(decoded(page->decisions[0]).tx_id, "v8-2");
  auto purged = (*store)->purge_before(2500);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 2u);
  f.since_ms = 0;
  EXPECT_EQ(tx_ids(f), (std::vector<std::string>{"v9-0", "v8-2"}));
  auto db = service::sqlite_connection::open(path, false);
  EXPECT_EQ(*(*db)->user_version(), service::decision_schema_version);
  // The columns nothing read are gone; the model's stays for SQL audits.
  EXPECT_TRUE((*db)->prepare("SELECT model_version FROM decisions"));
  EXPECT_FALSE((*db)->prepare("SELECT score FROM decisions"));
}

TEST(decision_schema, refuses_a_database_from_a_newer_fraudd) {
  test::temp_dir dir;
  auto path = dir.file("new.db");
  {
    auto db = service::sqlite_connection::open(path, true);
    ASSERT_TRUE(db);
    ASSERT_FALSE((*db)->exec("PRAGMA user_version=99"));
  }
  auto store = service::decision_db::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(fraud::to_string(store.error()).find("newer"), std::string::npos);
}

} // namespace
