// The fixture of the tests that need a three-server nats-server cluster:
// one cluster for every test of a suite (starting one and electing a
// JetStream leader takes seconds on this machine), stopped after the last,
// and connections to it as one of its roles.
//
// Every suite starts once a replicated bucket can be placed: JetStream
// answers $JS.API.INFO before its meta leader knows enough peers, and a
// bucket made then fails with "no suitable peers for placement".
// A suite that needs more at its start (a warm-up) defines its own
// SetUpTestSuite and calls cluster_suite::SetUpTestSuite() first.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "service/client/nats_connection.hpp"
#include "service/bucket_log.hpp"
#include "service/kv_bucket.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/nats_cluster.hpp"

namespace fraud::test {

class cluster_suite : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = new temp_dir;
    auto c = nats_cluster::start(dir->path());
    ASSERT_TRUE(c) << to_string(c.error());
    nats = c->release();
    wait_for_buckets();
  }
  static void TearDownTestSuite() {
    delete nats;
    nats = nullptr;
    delete dir;
    dir = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(nats) << "the cluster did not start"; }

  /// A connection to `url` as `role` ("scorer", "authoriser", "analyst",
  /// "viewer"), with the role's key and inbox prefix; null (and a test
  /// failure) when it cannot connect. With `only_this_server`, it never
  /// moves to the servers the cluster tells of: killing its server cuts it
  /// off.
  static std::unique_ptr<service::nats_connection>
  connect_as(const std::string& role, const std::string& url,
             bool only_this_server = false) {
    service::nats_options o;
    o.url = url;
    o.name = "cluster-test-" + role;
    o.auth.nkey_file = nats->seed_file(role);
    o.auth.inbox_prefix = "_INBOX." + role;
    o.ignore_discovered_servers = only_this_server;
    auto c = service::nats_connection::connect(o);
    EXPECT_TRUE(c) << role << ": " << to_string(c.error());
    return c ? std::move(*c) : nullptr;
  }

  /// Waits until a replicated bucket can be made (JetStream answers
  /// before it can place one), so that each test's first one can.
  static void wait_for_buckets() {
    auto conn = connect_as("scorer", nats->url(0));
    ASSERT_TRUE(conn);
    ASSERT_TRUE(eventually(
      [&] {
        service::kv_bucket_options o;
        o.name = "warm-up";
        o.replicas = 3;
        return static_cast<bool>(service::kv_bucket::open(conn->get(), o));
      },
      std::chrono::seconds(60)));
  }

  /// A bucket of the running test's own: `prefix` and the test's name,
  /// with '-' for '_'.
  static std::string test_bucket(const std::string& prefix) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto bucket = prefix + info->name();
    for (auto& c : bucket)
      if (c == '_')
        c = '-';
    return bucket;
  }

  static inline temp_dir* dir = nullptr;
  static inline nats_cluster* nats = nullptr;
};

/// A cluster_suite for what follows one log of the rules' bucket (the
/// rules, the model, the rates): each test has a bucket and database
/// files of its own.
class cluster_log_suite : public cluster_suite {
protected:
  void SetUp() override {
    cluster_suite::SetUp();
    if (HasFatalFailure())
      return;
    bucket = test_bucket("log-");
    prefix = dir->file(
      ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  /// The test's bucket, for an instance connected by `conn`.
  service::rules_cluster log_bucket(natsConnection* conn) const {
    service::rules_cluster rc;
    rc.conn = conn;
    rc.bucket = bucket;
    rc.timeout_ms = 20000;  // a loaded machine; R3 writes need a quorum
    return rc;
  }

  /// The database file of instance `db` ("a", "b").
  std::string db_file(const std::string& db) const {
    return prefix + "-" + db + ".db";
  }

  /// A file of the test's own holding `body`: its path.
  std::string write_file(const std::string& name, const std::string& body) {
    auto path = prefix + "-" + name;
    std::ofstream{path} << body;
    return path;
  }

  std::string bucket;
  std::string prefix;
};

} // namespace fraud::test
