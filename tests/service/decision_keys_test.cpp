// The decisions' keys (schema 10): runs of (key hash, id) pairs instead of
// the tx_id and card_id indexes, merged in bounded steps. Against a real
// SQLite file: every key found across tiers and mid-merge, a hash
// collision resolved by the text, resends still ignored, retention
// dropping the runs of purged ids, a merge interrupted by closing the
// store, and the migration of a version-9 database.
#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "service/decision_db.hpp"
#include "service/decision_db_reader.hpp"
#include "service/decision_schema.hpp"
#include "service/key_runs.hpp"
#include "service/outcome_db.hpp"
#include "tests/support/decision_payloads.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;

using test::decoded;
using test::encoded;

std::string tx_name(int i) {
  return "tx-" + std::to_string(i);
}
std::string card_name(int i) {
  return "card-" + std::to_string(i % 7);
}

// Tests that need a collision: every tx_id starting "clash" has key 42.
std::int64_t clashing_hash(std::string_view text) {
  return text.rfind("clash", 0) == 0 ? 42 : service::default_key_hash(text);
}

class decision_keys : public ::testing::Test {
protected:
  void open(service::decision_db_options options = {}) {
    store.reset();
    auto s = service::decision_db::open(path(), options);
    ASSERT_TRUE(s) << fraud::to_string(s.error());
    store = std::move(*s);
    auto q = service::decision_db_reader::open(path());
    ASSERT_TRUE(q) << fraud::to_string(q.error());
    queries = std::move(*q);
  }

  std::string path() const { return dir.file("decisions.db"); }

  std::size_t write(std::vector<std::string> payloads) {
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    auto n = store->write(views);
    EXPECT_TRUE(n) << fraud::to_string(n.error());
    return n ? *n : 0;
  }

  // Decisions [from, to), one batch; decided at 1000 + i.
  void write_range(int from, int to) {
    std::vector<std::string> batch;
    for (int i = from; i < to; ++i)
      batch.push_back(encoded(tx_name(i), card_name(i),
                              models::action::approve, 1000 + i));
    write(batch);
  }

  std::int64_t count(const std::string& sql) {
    auto db = service::sqlite_connection::open(path(), false);
    EXPECT_TRUE(db);
    auto st = (*db)->prepare(sql);
    EXPECT_TRUE(st) << sql;
    if (!st || st->step() != SQLITE_ROW)
      return -1;
    return st->int64(0);
  }

  std::int64_t tx_pairs() {
    return count("SELECT coalesce(sum(length(b.pairs) / 16), 0) FROM "
                 "decision_key_blocks b JOIN decision_key_runs r ON "
                 "r.run = b.run WHERE r.kind = 1");
  }

  // Every decision in [from, to) is found by its tx_id, and each card's
  // pages list its decisions newest first, none missing or repeated.
  void expect_all_found(int from, int to) {
    for (int i = from; i < to; ++i) {
      auto found = queries->by_tx(tx_name(i));
      ASSERT_TRUE(found) << fraud::to_string(found.error());
      ASSERT_FALSE(found->empty()) << tx_name(i);
      EXPECT_EQ(decoded(*found).tx_id, tx_name(i));
    }
    for (int c = 0; c < 7; ++c) {
      std::vector<std::string> want, got;
      for (int i = to - 1; i >= from; --i)
        if (i % 7 == c)
          want.push_back(tx_name(i));
      service::decision_filter f;
      f.card_id = card_name(c);
      f.bounds.limit = 9;
      for (;;) {
        auto page = queries->search(f);
        ASSERT_TRUE(page) << fraud::to_string(page.error());
        for (auto& p : page->decisions)
          got.push_back(decoded(p).tx_id);
        if (page->next_cursor == 0)
          break;
        f.cursor = page->next_cursor;
      }
      EXPECT_EQ(got, want) << card_name(c);
    }
  }

  test::temp_dir dir;
  std::unique_ptr<service::decision_db> store;
  std::unique_ptr<service::decision_db_reader> queries;
};

TEST_F(decision_keys, keys_merged_across_tiers_are_all_found) {
  service::decision_db_options o;
  o.merge_blocks = 1;  // merges take several steps
  open(o);
  // 80 batches: ten runs of tier 1 come from them, one of tier 2 from
  // eight of those.
  for (int b = 0; b < 80; ++b)
    write_range(b * 10, b * 10 + 10);
  expect_all_found(0, 800);  // some merges under way
  ASSERT_FALSE(store->merge_keys(10'000));
  auto left = store->merges_left();
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, 0u);
  EXPECT_GE(count("SELECT max(tier) FROM decision_key_runs"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE state = 1"),
            0);
  EXPECT_EQ(tx_pairs(), 800);
  expect_all_found(0, 800);
}

TEST_F(decision_keys, a_tx_id_collision_is_resolved_by_its_text) {
  service::decision_db_options o;
  o.key_hash = clashing_hash;
  open(o);
  EXPECT_EQ(write({encoded("clash-a", "card-1", models::action::approve, 1)}),
            1u);
  // Same key, other texts: stored; the same text again: not.
  EXPECT_EQ(write({encoded("clash-b", "card-1", models::action::decline, 2),
                   encoded("clash-a", "card-1", models::action::decline, 3),
                   encoded("clash-c", "card-1", models::action::review, 4),
                   encoded("clash-c", "card-1", models::action::decline, 5)}),
            2u);
  auto db = service::sqlite_connection::open(path(), false);
  ASSERT_TRUE(db);
  auto keys = service::key_finder::open(**db);
  ASSERT_TRUE(keys);
  for (auto [tx, action] :
       {std::pair{"clash-a", models::action::approve},
        std::pair{"clash-b", models::action::decline},
        std::pair{"clash-c", models::action::review}}) {
    std::string payload;
    auto id = keys->tx(tx, clashing_hash, &payload);
    ASSERT_TRUE(id);
    ASSERT_NE(*id, 0) << tx;
    EXPECT_EQ(decoded(payload).tx_id, tx);
    EXPECT_EQ(decoded(payload).action, action) << tx;
  }
  auto none = keys->tx("clash-z", clashing_hash);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
}

TEST_F(decision_keys, a_resend_across_a_merge_is_still_ignored) {
  service::decision_db_options o;
  o.merge_blocks = 1;
  open(o);
  for (int b = 0; b < 9; ++b)
    write_range(b * 300, b * 300 + 300);  // runs of 2 blocks
  ASSERT_FALSE(store->merge_keys(10'000));
  ASSERT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE tier = 1 "
                  "AND kind = 1"),
            1);
  auto resend = [&] {
    return write({encoded(tx_name(17), card_name(17),
                          models::action::decline, 99'999),
                  encoded(tx_name(2'000), card_name(0),
                          models::action::decline, 99'999)});
  };
  EXPECT_EQ(resend(), 0u);
  open(o);  // the filter of stored tx_ids is read again at start
  EXPECT_EQ(resend(), 0u);
  auto first = queries->by_tx(tx_name(17));
  ASSERT_TRUE(first);
  EXPECT_EQ(decoded(*first).action, models::action::approve);
  service::decision_read_pool reads{path()};
  auto again = reads.find(tx_name(2'000));
  ASSERT_TRUE(again);
  EXPECT_EQ(decoded(*again).action, models::action::approve);
}

TEST_F(decision_keys, retention_drops_the_key_runs_of_purged_decisions) {
  open();
  // Sixteen batches: two runs of tier 1, eight batches each.
  for (int b = 0; b < 16; ++b)
    write_range(b * 5, b * 5 + 5);
  ASSERT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE kind = 1"),
            2);
  auto purged = store->purge_before(1000 + 40);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 40u);
  EXPECT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE kind = 1"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE max_id < "
                  "(SELECT min(id) FROM decisions)"),
            0);
  EXPECT_EQ(tx_pairs(), 40);
  auto gone = queries->by_tx(tx_name(3));
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->empty());
  expect_all_found(40, 80);
}

TEST_F(decision_keys, a_merge_interrupted_by_closing_completes_losing_nothing) {
  service::decision_db_options o;
  o.merge_blocks = 1;
  open(o);
  for (int b = 0; b < 8; ++b)
    write_range(b * 300, b * 300 + 300);
  // The merge began with the eighth batch, one block of each kind.
  ASSERT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE state = 1"),
            2);
  open(o);  // closed mid-merge, reopened
  expect_all_found(0, 2400);
  EXPECT_EQ(tx_pairs(), 2400);
  write_range(2400, 2410);  // each batch moves the merge on
  ASSERT_FALSE(store->merge_keys(10'000));
  EXPECT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE state = 1"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM decision_key_runs WHERE "
                  "merging_into != 0"),
            0);
  EXPECT_EQ(tx_pairs(), 2410);
  expect_all_found(0, 2410);
}

TEST(decision_schema, migrates_a_version_9_database_to_key_runs) {
  test::temp_dir dir;
  auto path = dir.file("v9.db");
  {
    // What a version-9 fraudd left behind: tx_id and card_id indexed, a
    // case, labels (one for a tx_id never decided).
    auto db = service::sqlite_connection::open(path, true);
    ASSERT_TRUE(db);
    ASSERT_FALSE(service::migrate(**db, 9));
    auto st = (*db)->prepare(
      "INSERT INTO decisions(id, tx_id, card_id, action, decided_at_ms, "
      "rules, payload) VALUES (?1, ?2, ?3, ?4, ?5, 'geo', ?6)");
    ASSERT_TRUE(st);
    for (int i = 0; i < 30; ++i) {
      auto a = i == 4 ? models::action::review : models::action::decline;
      st->bind(1, std::int64_t{i + 1});
      st->bind(2, tx_name(i), true);
      st->bind(3, card_name(i), true);
      st->bind(4, static_cast<std::int64_t>(a));
      st->bind(5, std::int64_t{1000 + i});
      auto payload = encoded(tx_name(i), card_name(i), a, 1000 + i, {"geo"});
      st->bind_blob(6, payload);
      ASSERT_EQ(st->step(), SQLITE_DONE);
      st->reset();
    }
    ASSERT_FALSE((*db)->exec(
      "INSERT INTO decision_batches VALUES (1, 30, 1000, 1029);"
      "INSERT INTO cases(tx_id, card_id, opened_at_ms, score, rules, "
      "amount_minor, currency, merchant_id) VALUES ('tx-4', 'card-4', "
      "1004, 80, 'geo', 1234, 'EUR', 'm-7');"
      "INSERT INTO labels VALUES ('tx-7', 'bank', 1, 2000, '', '', 2000);"
      "INSERT INTO labels VALUES ('tx-nope', 'bank', 2, 2001, '', '', 2001);"
      "INSERT INTO outcomes VALUES ('tx-7', 1, 2000, 1);"
      "INSERT INTO outcomes VALUES ('tx-nope', 2, 2001, 1);"));
  }
  auto store = service::decision_db::open(path);
  ASSERT_TRUE(store) << fraud::to_string(store.error());
  {
    auto db = service::sqlite_connection::open(path, false);
    ASSERT_TRUE(db);
    EXPECT_EQ(*(*db)->user_version(), service::decision_schema_version);
    auto indexes = (*db)->prepare("PRAGMA index_list(decisions)");
    ASSERT_TRUE(indexes);
    EXPECT_EQ(indexes->step(), SQLITE_DONE) << "no index on decisions";
  }
  // A resent tx_id of the old rows is still told; a new one is stored.
  std::vector<std::string> later{
    encoded(tx_name(7), card_name(7), models::action::approve, 5000),
    encoded(tx_name(30), card_name(30), models::action::decline, 5000)};
  std::vector<std::string_view> views(later.begin(), later.end());
  auto added = (*store)->write(views);
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 1u);
  auto queries = service::decision_db_reader::open(path);
  ASSERT_TRUE(queries);
  for (int i = 0; i < 31; ++i) {
    auto found = (*queries)->by_tx(tx_name(i));
    ASSERT_TRUE(found);
    ASSERT_FALSE(found->empty()) << i;
    EXPECT_EQ(decoded(*found).tx_id, tx_name(i));
  }
  service::decision_filter f;
  f.card_id = card_name(2);  // 2, 9, 16, 23, 30
  auto page = (*queries)->search(f);
  ASSERT_TRUE(page);
  std::vector<std::string> got;
  for (auto& p : page->decisions)
    got.push_back(decoded(p).tx_id);
  EXPECT_EQ(got, (std::vector<std::string>{"tx-30", "tx-23", "tx-16", "tx-9",
                                           "tx-2"}));
  // Labels still join their decisions by tx_id.
  auto outcomes = service::outcome_db::open(path, false);
  ASSERT_TRUE(outcomes);
  auto labels = (*outcomes)->labels({}, service::page_bounds{50, 0, 0});
  ASSERT_TRUE(labels) << fraud::to_string(labels.error());
  ASSERT_EQ(labels->labels.size(), 2u);
  EXPECT_EQ(labels->labels[0].value.tx_id, "tx-nope");
  EXPECT_FALSE(labels->labels[0].decided);
  EXPECT_TRUE(labels->labels[1].decided);
  EXPECT_EQ(labels->labels[1].action, models::action::decline);
  EXPECT_EQ(labels->labels[1].rules, std::vector<std::string>{"geo"});
  EXPECT_EQ(labels->labelled, 2u);
  EXPECT_EQ(labels->unknown, 1u);
}

} // namespace
