// The cluster's card snapshot backend on a real three-server nats-server
// 2.9.10 cluster (the shipped configuration, as the scorer role): what one
// instance writes, another reads through another server, also after one
// server of three is gone.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "service/client/nats_connection.hpp"
#include "service/kv_snapshot_store.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/cluster_suite.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;
using service::kv_snapshot_store;

using rows = std::vector<std::pair<std::string_view, std::string_view>>;

// Card ids as subject tokens may spell them, and keys may not.
const std::vector<std::string> awkward_ids = {
  "card#1", "a+b", "user@bank", "x:y", "caf\xc3\xa9", "=starts-with-escape",
  "==", "a..b", ".a", "b.", "~tilde", "%41", std::string("nul\0in", 6), "",
  std::string(300, 'z') + "!"};

TEST(kv_snapshot_keys, plain_ids_stay_readable) {
  for (std::string id : {"card-1", "4111111111111111", "A_b-c/d=e", "v1.2"})
    EXPECT_EQ(kv_snapshot_store::key_of(id), id);
}

TEST(kv_snapshot_keys, awkward_ids_round_trip_through_valid_keys) {
  std::set<std::string> keys;
  for (auto& id : awkward_ids) {
    auto key = kv_snapshot_store::key_of(id);
    EXPECT_TRUE(service::valid_kv_key(key)) << id << " -> " << key;
    EXPECT_EQ(key.front(), '=') << id;
    auto back = kv_snapshot_store::card_of(key);
    ASSERT_TRUE(back) << key;
    EXPECT_EQ(*back, id);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), awkward_ids.size()) << "two ids share a key";
  std::mt19937 rng{14};
  for (int i = 0; i < 2000; ++i) {
    std::string id(rng() % 40, ' ');
    for (auto& c : id)
      c = static_cast<char>(rng());
    EXPECT_EQ(*kv_snapshot_store::card_of(kv_snapshot_store::key_of(id)), id);
  }
}

TEST(kv_snapshot_keys, keys_no_card_maps_to_are_refused) {
  for (auto key : {"=!", "=A", "=AB", "=QR"})  // not made by key_of
    EXPECT_FALSE(kv_snapshot_store::card_of(key)) << key;
  EXPECT_FALSE(kv_snapshot_store::card_of("=" + std::string("Y2FyZC0x")))
    << "card-1 is stored under its own name, never encoded";
}

// One cluster for the whole file: starting one and electing a JetStream
// leader takes seconds on this machine.
class kv_snapshots : public test::cluster_suite {
protected:


  // The bucket is created by the first store that opens it. Just after
  // the cluster started, creating an R3 bucket can fail for a while (the
  // meta leader does not know every peer yet): retried, as fraudd does.
  static std::unique_ptr<kv_snapshot_store>
  open(service::nats_connection& conn, const std::string& bucket,
       int write_timeout_ms = 10000) {
    service::kv_snapshot_options o;
    o.write_timeout_ms = write_timeout_ms;
    o.bucket = bucket;
    o.replicas = 3;
    o.read_timeout_ms = 10000;  // a loaded machine; R3 needs a quorum
    std::unique_ptr<kv_snapshot_store> store;
    fraud::error last;
    test::eventually(
      [&] {
        auto s = kv_snapshot_store::open(conn.get(), o);
        if (!s)
          last = s.error();
        else
          store = std::move(*s);
        return store != nullptr;
      },
      30s);
    EXPECT_TRUE(store) << to_string(last);
    return store;
  }

  static std::set<std::string> cards_in(kv_snapshot_store& store) {
    std::set<std::string> cards;
    auto err = store.for_each_card(
      [&](std::string_view card) { cards.emplace(card); });
    EXPECT_FALSE(err) << to_string(err);
    return cards;
  }

};


TEST_F(kv_snapshots, write_read_erase_and_list) {
  auto conn = connect_as("scorer", nats->url(0));
  ASSERT_TRUE(conn);
  auto store = open(*conn, "cards-basic");
  ASSERT_TRUE(store);
  EXPECT_TRUE(cards_in(*store).empty());
  std::string binary("\0\x01\xff snapshot", 12);
  ASSERT_FALSE(store->write(rows{{"card-1", "one"}, {"card-2", binary},
                                 {"card-3", "three"}}));
  EXPECT_EQ(*store->read("card-1"), "one");
  EXPECT_EQ(*store->read("card-2"), binary);
  EXPECT_EQ(*store->read("card-unknown"), "") << "no snapshot is no error";
  ASSERT_FALSE(store->write(rows{{"card-1", "one, newer"}}));
  EXPECT_EQ(*store->read("card-1"), "one, newer") << "replaced";
  ASSERT_FALSE(store->erase("card-3"));
  EXPECT_EQ(*store->read("card-3"), "");
  EXPECT_EQ(cards_in(*store), (std::set<std::string>{"card-1", "card-2"}));
  EXPECT_FALSE(store->write({})) << "an empty batch is nothing to write";
}

TEST_F(kv_snapshots, awkward_card_ids_come_back_as_they_were) {
  auto conn = connect_as("scorer", nats->url(1));
  ASSERT_TRUE(conn);
  auto store = open(*conn, "cards-awkward");
  ASSERT_TRUE(store);
  rows batch;
  std::vector<std::string> values;
  values.reserve(awkward_ids.size());
  for (auto& id : awkward_ids)
    values.push_back("state of " + id);
  for (std::size_t i = 0; i < awkward_ids.size(); ++i)
    batch.emplace_back(awkward_ids[i], values[i]);
  auto err = store->write(batch);
  ASSERT_FALSE(err) << to_string(err);
  for (std::size_t i = 0; i < awkward_ids.size(); ++i)
    EXPECT_EQ(*store->read(awkward_ids[i]), values[i]) << awkward_ids[i];
  EXPECT_EQ(cards_in(*store),
            std::set<std::string>(awkward_ids.begin(), awkward_ids.end()));
}

// A snapshot writer's batch, and a second instance on another server
// reading it (as after a failover).
TEST_F(kv_snapshots, a_batch_of_thousands_is_read_through_another_server) {
  auto first_conn = connect_as("scorer", nats->url(0));
  auto second_conn = connect_as("scorer", nats->url(2));
  ASSERT_TRUE(first_conn && second_conn);
  auto first = open(*first_conn, "cards-batch");
  auto second = open(*second_conn, "cards-batch");
  ASSERT_TRUE(first && second);
  constexpr int n = 5000;
  std::vector<std::string> ids, values;
  for (int i = 0; i < n; ++i) {
    ids.push_back("card-" + std::to_string(i));
    values.push_back(std::string(200 + i % 300, static_cast<char>('a' + i % 26)));
  }
  rows batch;
  for (int i = 0; i < n; ++i)
    batch.emplace_back(ids[i], values[i]);
  auto err = first->write(batch);
  ASSERT_FALSE(err) << to_string(err);
  for (int i = 0; i < n; i += 97) {
    auto got = second->read(ids[i]);
    ASSERT_TRUE(got) << to_string(got.error());
    EXPECT_EQ(*got, values[i]) << ids[i];
  }
  EXPECT_EQ(cards_in(*second).size(), static_cast<std::size_t>(n));
}

// Last in this file: it stops servers (and starts them again).
TEST_F(kv_snapshots, reads_go_on_after_one_server_of_three_is_killed) {
  auto writer_conn = connect_as("scorer", nats->url(0));
  auto reader_conn = connect_as("scorer", nats->url(1));
  ASSERT_TRUE(writer_conn && reader_conn);
  auto writer = open(*writer_conn, "cards-kill");
  auto reader = open(*reader_conn, "cards-kill");
  ASSERT_TRUE(writer && reader);
  ASSERT_FALSE(writer->write(rows{{"card-1", "before"}}));
  nats->kill(0);
  // Until JetStream has elected new leaders a read may go unanswered:
  // retried, each with the store's own wait.
  EXPECT_TRUE(test::eventually(
    [&] {
      auto got = reader->read("card-1");
      return got && *got == "before";
    },
    60s));
  EXPECT_TRUE(test::eventually(
    [&] { return !reader->write(rows{{"card-1", "after"}}); }, 60s))
    << "two servers of three still write";
  EXPECT_EQ(*reader->read("card-1"), "after");
  // Without a quorum nothing is written, and the batch says so.
  auto third_conn = connect_as("scorer", nats->url(2));
  ASSERT_TRUE(third_conn);
  auto lone = open(*third_conn, "cards-kill", 2000);
  ASSERT_TRUE(lone);
  nats->kill(1);
  auto err = lone->write(rows{{"card-1", "lost"}, {"card-2", "lost"}});
  ASSERT_TRUE(err);
  EXPECT_NE(err.what().find("2 of 2 card snapshots not written"),
            std::string::npos)
    << err.what();
  for (int i : {0, 1}) {
    auto restarted = nats->restart(i);
    ASSERT_FALSE(restarted) << to_string(restarted);
  }
}

} // namespace
