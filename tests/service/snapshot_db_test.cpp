// Card snapshots in a real SQLite file: the writer's connection and the
// per-thread read pool that activating cards read through.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "service/snapshot_db.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;

TEST(snapshot_read_pool, reads_what_the_writer_committed_from_many_threads) {
  test::temp_dir dir;
  auto path = dir.file("cards.db");
  auto writer = service::snapshot_db::open(path);
  ASSERT_TRUE(writer) << fraud::to_string(writer.error());
  std::vector<std::string> ids, bytes;
  for (int i = 0; i < 200; ++i) {
    ids.push_back("card-" + std::to_string(i));
    bytes.push_back("state-" + std::to_string(i * 7));
  }
  std::vector<std::pair<std::string_view, std::string_view>> rows;
  for (std::size_t i = 0; i < ids.size(); ++i)
    rows.emplace_back(ids[i], bytes[i]);
  ASSERT_FALSE((*writer)->write(rows));
  service::snapshot_read_pool pool{path};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&, t] {
      for (std::size_t i = t; i < ids.size(); i += 4) {
        auto got = pool.read(ids[i]);
        if (!got || *got != bytes[i])
          ++wrong;
      }
      auto none = pool.read("card-never");
      if (!none || !none->empty())
        ++wrong;
    });
  for (auto& r : readers)
    r.join();
  EXPECT_EQ(wrong.load(), 0);
  // Writes after the readers opened their connections are seen too.
  std::vector<std::pair<std::string_view, std::string_view>> update{
    {ids[0], "state-new"}};
  ASSERT_FALSE((*writer)->write(update));
  auto got = pool.read(ids[0]);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "state-new");
}

TEST(snapshot_read_pool, is_read_only_and_says_so) {
  test::temp_dir dir;
  service::snapshot_read_pool pool{dir.file("cards.db")};
  std::vector<std::pair<std::string_view, std::string_view>> rows{{"c", "s"}};
  auto err = pool.write(rows);
  ASSERT_TRUE(err);
  EXPECT_NE(fraud::to_string(err).find("read-only"), std::string::npos);
  EXPECT_TRUE(pool.erase("c"));
}

TEST(snapshot_read_pool, an_unopenable_file_is_an_error_not_a_crash) {
  service::snapshot_read_pool pool{"/nonexistent-dir/cards.db"};
  auto got = pool.read("card-1");
  EXPECT_FALSE(got);
}

// A batch is written in card order (neighbours share pages); the order
// it came in still decides between two snapshots of one card: the last.
TEST(snapshot_db, a_batch_in_any_order_keeps_each_cards_last_snapshot) {
  test::temp_dir dir;
  auto db = service::snapshot_db::open(dir.file("cards.db"));
  ASSERT_TRUE(db) << fraud::to_string(db.error());
  std::vector<std::pair<std::string_view, std::string_view>> rows{
    {"c", "c1"}, {"a", "a1"}, {"b", "b1"}, {"a", "a2"}, {"c", "c2"}};
  ASSERT_FALSE((*db)->write(rows));
  EXPECT_EQ(*(*db)->read("a"), "a2");
  EXPECT_EQ(*(*db)->read("b"), "b1");
  EXPECT_EQ(*(*db)->read("c"), "c2");
}

} // namespace
