// A real fraudd against a real nats-server and SQLite file, and a client
// connection to ask it things: the fixture of the service's integration
// tests.
#pragma once

#include <gtest/gtest.h>

#include <csignal>

#include "protocol/codec.hpp"
#include "protocol/rules_codec.hpp"
#include "models/error.hpp"
#include "service/client/nats_connection.hpp"
#include "tests/models/sample_transaction.hpp"
#include "tests/support/analyst.hpp"
#include "tests/support/fraudd_process.hpp"

namespace fraud::test {

struct reply {
  bool ok = false;
  models::decision decision;
  protocol::decision_envelope env;
};

class fraudd_service : public ::testing::Test {
protected:
  void SetUp() override {
    nats = start_nats(dir.path());
    ASSERT_TRUE(nats);
    alice = make_analyst(dir);
    ASSERT_TRUE(fraudd.start(args()))
      << "fraudd did not start:\n" << fraudd.output();
    service::nats_options o;
    o.url = nats->url();
    o.name = "fraudd-test";
    auto c = service::nats_connection::connect(o);
    ASSERT_TRUE(c) << fraud::to_string(c.error());
    conn = std::move(*c);
    ASSERT_EQ(natsConnection_SubscribeSync(&decisions, conn->get(),
                                           "fraud.decisions.>"),
              NATS_OK);
    ASSERT_EQ(natsConnection_SubscribeSync(&rejections, conn->get(),
                                           "fraud.rejected"),
              NATS_OK);
    ASSERT_EQ(conn->flush(2000), NATS_OK);
  }

  void TearDown() override {
    // fraudd may still be publishing decisions (the end of a flood).
    auto* c = conn ? conn->get() : nullptr;
    service::end_subscription(c, decisions);
    service::end_subscription(c, rejections);
  }

  virtual std::vector<std::string> args() {
    return {"--nats", nats->url(), "--db", dir.file("fraud.db"),
            "--analyst-keys", alice.keyring};
  }

  // The reply's bytes, or "" (and a test failure) when none came. A
  // change is signed by alice.
  std::string raw_request(const std::string& subject,
                          const std::string& payload) {
    natsMsg* msg = nullptr;
    auto s = signed_request(&msg, conn->get(), subject, payload, alice, 5000);
    if (s != NATS_OK) {
      ADD_FAILURE() << "no reply on " << subject << ": "
                    << service::describe(s);
      return {};
    }
    std::string out{natsMsg_GetData(msg),
                    static_cast<size_t>(natsMsg_GetDataLength(msg))};
    natsMsg_Destroy(msg);
    return out;
  }

  reply request(const std::string& subject, const std::string& payload) {
    reply out;
    auto bytes = raw_request(subject, payload);
    if (bytes.empty())  // no reply: raw_request() failed the test
      return out;
    out.ok = protocol::decode_decision(bytes.data(), bytes.size(),
                                       out.decision, out.env).ok();
    EXPECT_TRUE(out.ok) << "reply is not a fraud.v1.Decision";
    return out;
  }

  /// A query (protocol/query_codec.hpp, rules_codec.hpp) and its reply,
  /// decoded; a test failure when none comes or it is not a `Reply`.
  template <class Reply, class Query>
  Reply ask(const std::string& subject, const Query& query) {
    // encode and decode are found by argument-dependent lookup, in the
    // codec header the test includes.
    std::string payload;
    encode(query, payload);
    auto bytes = raw_request(subject, payload);
    Reply r;
    EXPECT_TRUE(decode(bytes.data(), bytes.size(), r).ok()) << subject;
    return r;
  }

  /// A new rule text, as alice sets it (signed), and fraudd's answer.
  protocol::rules_change_reply set_rules(const std::string& text,
                                         bool dry_run = false) {
    return ask<protocol::rules_change_reply>(
      "fraud.rules.set",
      protocol::rules_set_request{text, "alice", "a test", dry_run});
  }

  reply score(const models::transaction& tx) {
    std::string payload;
    protocol::encode_transaction(tx, payload);
    return request("fraud.tx." + tx.card_id, payload);
  }

  /// fraudctl against this fraudd: its stdout and stderr, `rc` its exit code.
  std::string ctl(const std::string& args, int& rc) {
    std::string out;
    rc = run_command(fraudctl_binary() + " --nats " + nats->url()
                       + " --sign-key " + alice.seed_file + " " + args
                       + " 2>&1",
                     out);
    return out;
  }

  // A publication's Decision, decoded; false (and a test failure) when
  // the bytes are not one.
  static bool decode_published(natsMsg* msg, models::decision& d) {
    protocol::decision_envelope env;
    auto ok = protocol::decode_decision(natsMsg_GetData(msg),
                                        natsMsg_GetDataLength(msg), d, env).ok();
    EXPECT_TRUE(ok) << "publication is not a fraud.v1.Decision";
    return ok;
  }

  // The next publication on a subscription, or nullptr after timeout_ms.
  static natsMsg* next(natsSubscription* sub, int timeout_ms = 5000) {
    natsMsg* msg = nullptr;
    if (natsSubscription_NextMsg(&msg, sub, timeout_ms) != NATS_OK)
      return nullptr;
    return msg;
  }

  temp_dir dir;
  std::unique_ptr<service::embedded_nats> nats;
  fraudd_process fraudd;
  analyst alice;  // signs the changes raw_request sends
  std::unique_ptr<service::nats_connection> conn;
  natsSubscription* decisions = nullptr;
  natsSubscription* rejections = nullptr;
};

} // namespace fraud::test
