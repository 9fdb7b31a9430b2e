// Issue 14's foundation, on a real three-server nats-server 2.9.10 cluster
// running the shipped configuration (deploy/nats/cluster): the partition
// mapping agrees with protocol::partition_of, and a replicated key-value
// bucket, used as the scorer role, gives the lease semantics fraudd's
// ownership relies on (create only when free, compare-and-set renewal,
// expiry by the bucket's TTL), and survives losing one server.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "protocol/partition.hpp"
#include "service/client/nats_connection.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/nats_cluster.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

// One cluster for the whole file: starting one and electing a JetStream
// leader takes seconds on this machine.
class cluster : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = new test::temp_dir;
    auto c = test::nats_cluster::start(dir->path());
    ASSERT_TRUE(c) << to_string(c.error());
    nats = c->release();
  }
  static void TearDownTestSuite() {
    delete nats;
    nats = nullptr;
    delete dir;
    dir = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(nats) << "the cluster did not start"; }

  static std::unique_ptr<service::nats_connection>
  connect_as(const std::string& role, const std::string& url) {
    service::nats_options o;
    o.url = url;
    o.name = "cluster-test-" + role;
    o.auth.nkey_file = nats->seed_file(role);
    o.auth.inbox_prefix = "_INBOX." + role;
    auto c = service::nats_connection::connect(o);
    EXPECT_TRUE(c) << role << ": " << to_string(c.error());
    return c ? std::move(*c) : nullptr;
  }

  static test::temp_dir* dir;
  static test::nats_cluster* nats;
};

test::temp_dir* cluster::dir = nullptr;
test::nats_cluster* cluster::nats = nullptr;

std::string random_card(std::mt19937& rng) {
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::uniform_int_distribution<int> len{4, 32};
  std::uniform_int_distribution<int> pick{0, sizeof(alphabet) - 2};
  std::string card(static_cast<std::size_t>(len(rng)), ' ');
  for (auto& c : card)
    c = alphabet[pick(rng)];
  return card;
}

TEST_F(cluster, every_server_maps_a_card_to_the_partition_partition_of_says) {
  auto scorer = connect_as("scorer", nats->url(0));
  auto switch1 = connect_as("authoriser", nats->url(1));
  ASSERT_TRUE(scorer && switch1);
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, scorer->get(), "fraud.p.*.>"),
            NATS_OK);
  ASSERT_EQ(natsSubscription_SetPendingLimits(sub, -1, -1), NATS_OK);
  ASSERT_EQ(scorer->flush(10000), NATS_OK);
  // The subscription reaches server 1 over the route some time later.
  ASSERT_TRUE(test::eventually(
    [&] {
      natsConnection_PublishString(switch1->get(), "fraud.tx.probe", "");
      natsMsg* m = nullptr;
      if (natsSubscription_NextMsg(&m, sub, 200) != NATS_OK)
        return false;
      natsMsg_Destroy(m);
      return true;
    },
    20s))
    << "server 1's log:\n" << nats->log(1);
  ASSERT_EQ(switch1->flush(10000), NATS_OK);
  // Probes still on their way.
  for (natsMsg* m = nullptr; natsSubscription_NextMsg(&m, sub, 500) == NATS_OK;)
    natsMsg_Destroy(m);

  std::mt19937 rng{14};
  std::map<std::string, std::string> expected;  // card -> mapped subject
  while (expected.size() < 200) {
    auto card = random_card(rng);
    expected[card] = "fraud.p."
                     + std::to_string(protocol::partition_of(card, 64)) + "."
                     + card;
  }
  for (auto& [card, subject] : expected)
    ASSERT_EQ(natsConnection_PublishString(switch1->get(),
                                           ("fraud.tx." + card).c_str(),
                                           card.c_str()),
              NATS_OK);
  ASSERT_EQ(switch1->flush(10000), NATS_OK);
  std::map<std::string, std::string> got;  // card -> subject it came on
  while (got.size() < expected.size()) {
    natsMsg* m = nullptr;
    ASSERT_EQ(natsSubscription_NextMsg(&m, sub, 20000), NATS_OK)
      << got.size() << " of " << expected.size() << " arrived";
    got[std::string{natsMsg_GetData(m),
                    static_cast<std::size_t>(natsMsg_GetDataLength(m))}] =
      natsMsg_GetSubject(m);
    natsMsg_Destroy(m);
  }
  EXPECT_EQ(got, expected);
  natsSubscription_Destroy(sub);
}

// The key-value calls of nats.c 3.4.1 that leases are made of, as the
// scorer (whose permissions they need).
class kv_bucket {
public:
  kv_bucket(natsConnection* conn, const char* bucket, std::int64_t ttl_ms) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 10000;  // a loaded machine; an R3 write needs a quorum
    EXPECT_EQ(natsConnection_JetStream(&js_, conn, &jo), NATS_OK);
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = bucket;
    cfg.History = 1;
    cfg.Replicas = 3;
    cfg.TTL = ttl_ms * 1000000;  // nanoseconds
    status = js_CreateKeyValue(&kv_, js_, &cfg);
  }
  // Binds to an existing bucket.
  kv_bucket(natsConnection* conn, const char* bucket) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 10000;
    EXPECT_EQ(natsConnection_JetStream(&js_, conn, &jo), NATS_OK);
    status = js_KeyValue(&kv_, js_, bucket);
  }
  ~kv_bucket() {
    kvStore_Destroy(kv_);
    jsCtx_Destroy(js_);
  }
  kvStore* get() const { return kv_; }
  natsStatus status = NATS_ERR;

private:
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;
};

TEST_F(cluster, a_replicated_bucket_gives_leases_create_cas_and_expiry) {
  auto scorer = connect_as("scorer", nats->url(0));
  ASSERT_TRUE(scorer);
  kv_bucket leases{scorer->get(), "fraud-leases-test", 2000};
  ASSERT_EQ(leases.status, NATS_OK) << service::describe(leases.status);
  auto* kv = leases.get();

  std::uint64_t first = 0;
  ASSERT_EQ(kvStore_CreateString(&first, kv, "p.7", "instance-a"), NATS_OK)
    << service::describe(NATS_ERR);
  EXPECT_GT(first, 0u);
  // Taken: a second claimant fails.
  std::uint64_t other = 0;
  EXPECT_NE(kvStore_CreateString(&other, kv, "p.7", "instance-b"), NATS_OK);
  // Renewal is a compare-and-set on the last revision.
  std::uint64_t second = 0;
  ASSERT_EQ(kvStore_UpdateString(&second, kv, "p.7", "instance-a", first),
            NATS_OK);
  EXPECT_GT(second, first);
  std::uint64_t stale = 0;
  EXPECT_NE(kvStore_UpdateString(&stale, kv, "p.7", "instance-b", first),
            NATS_OK);
  // Nobody renews: the bucket's TTL frees the key for the next claimant.
  std::uint64_t taken_over = 0;
  EXPECT_TRUE(test::eventually(
    [&] {
      return kvStore_CreateString(&taken_over, kv, "p.7", "instance-b")
             == NATS_OK;
    },
    30s));
  EXPECT_GT(taken_over, second);
}

TEST_F(cluster, a_replicated_bucket_survives_the_loss_of_one_server) {
  auto scorer = connect_as("scorer", nats->url(1));
  ASSERT_TRUE(scorer);
  {
    kv_bucket b{scorer->get(), "fraud-snapshots-test", 60000};
    ASSERT_EQ(b.status, NATS_OK) << service::describe(b.status);
    std::uint64_t rev = 0;
    ASSERT_EQ(kvStore_PutString(&rev, b.get(), "card-1", "before"), NATS_OK);
  }
  nats->kill(0);
  kv_bucket b{scorer->get(), "fraud-snapshots-test"};
  auto put_then_get = [&](const char* value) {
    std::uint64_t rev = 0;
    if (kvStore_PutString(&rev, b.get(), "card-1", value) != NATS_OK)
      return false;
    kvEntry* e = nullptr;
    if (kvStore_Get(&e, b.get(), "card-1") != NATS_OK)
      return false;
    bool same = std::string{kvEntry_ValueString(e)} == value;
    kvEntry_Destroy(e);
    return same;
  };
  // A new stream leader may have to be elected first: retries.
  ASSERT_EQ(b.status, NATS_OK) << service::describe(b.status);
  EXPECT_TRUE(test::eventually([&] { return put_then_get("after"); }, 30s));
  // The server comes back with its store and catches up.
  auto err = nats->restart(0);
  ASSERT_FALSE(err) << to_string(err);
  auto again = connect_as("scorer", nats->url(0));
  ASSERT_TRUE(again);
  kv_bucket through_restarted{again->get(), "fraud-snapshots-test"};
  ASSERT_EQ(through_restarted.status, NATS_OK);
  EXPECT_TRUE(test::eventually(
    [&] {
      kvEntry* e = nullptr;
      if (kvStore_Get(&e, through_restarted.get(), "card-1") != NATS_OK)
        return false;
      bool same = std::string{kvEntry_ValueString(e)} == "after";
      kvEntry_Destroy(e);
      return same;
    },
    30s));
}

} // namespace
