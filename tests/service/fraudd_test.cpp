// fraudd as a user sees it: a real nats-server, the real binary, requests
// and publications over NATS.
#include "tests/service/fraudd_fixture.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "service/sqlite_connection.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using fraud::test::card_tx;
using fraud::test::fraudd_service;
using fraud::test::reply;
using fraud::test::t0_ms;

TEST_F(fraudd_service, answers_a_request_with_a_decision) {
  auto r = score(card_tx("card-1", 0, "tx-1"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.decision.tx_id, "tx-1");
  EXPECT_EQ(r.decision.card_id, "card-1");
  EXPECT_EQ(r.decision.action, models::action::approve);
  EXPECT_EQ(r.decision.ruleset_version, "rules-1");  // the first version
  EXPECT_EQ(r.decision.event_time_ms, t0_ms);
  EXPECT_FALSE(r.env.error);
  EXPECT_GT(r.env.service_latency_ns, 0);
  EXPECT_GT(r.env.decided_at_ms, t0_ms);
}

TEST_F(fraudd_service, publishes_every_decision_by_action_and_card) {
  score(card_tx("card-1", 0, "tx-1"));
  auto* msg = next(decisions);
  ASSERT_NE(msg, nullptr);
  EXPECT_STREQ(natsMsg_GetSubject(msg), "fraud.decisions.approve.card-1");
  models::decision d;
  EXPECT_TRUE(decode_published(msg, d));
  EXPECT_EQ(d.tx_id, "tx-1");
  natsMsg_Destroy(msg);
}

TEST_F(fraudd_service, scores_a_plain_publish_and_publishes_the_decision) {
  std::string payload;
  protocol::encode_transaction(card_tx("card-9", 0, "tx-pub"), payload);
  ASSERT_EQ(natsConnection_Publish(conn->get(), "fraud.tx.card-9",
                                   payload.data(),
                                   static_cast<int>(payload.size())),
            NATS_OK);
  auto* msg = next(decisions);
  ASSERT_NE(msg, nullptr);
  EXPECT_STREQ(natsMsg_GetSubject(msg), "fraud.decisions.approve.card-9");
  natsMsg_Destroy(msg);
}

TEST_F(fraudd_service, remembers_the_card_between_transactions) {
  score(card_tx("card-2", 0, "tx-ny"));
  auto r = score(test::in_country(
    test::located(card_tx("card-2", 10, "tx-london"), test::london), "GB"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.decision.action, models::action::decline);
  ASSERT_FALSE(r.decision.reasons.empty());
  EXPECT_EQ(r.decision.reasons[0].rule, "impossible_travel");
  EXPECT_FALSE(r.decision.reasons[0].detail.empty());
  EXPECT_GT(r.decision.score, 0);
  // ... and the decline is published under its action.
  natsMsg* msg = nullptr;
  while ((msg = next(decisions)) != nullptr) {
    std::string subject = natsMsg_GetSubject(msg);
    natsMsg_Destroy(msg);
    if (subject == "fraud.decisions.decline.card-2")
      return;
  }
  ADD_FAILURE() << "no publication on fraud.decisions.decline.card-2";
}

void expect_rejected(const reply& r, fraud::ec code,
                     const std::string& field) {
  ASSERT_TRUE(r.ok);
  ASSERT_TRUE(r.env.error);
  EXPECT_EQ(r.env.error.code(), code);
  EXPECT_EQ(r.env.error.field(), field);
  EXPECT_FALSE(r.env.error.what().empty());
  EXPECT_EQ(r.decision.action, models::action::decline);
}

// A publication on fraud.rejected, decoded (and destroyed); nothing when
// none came or it is not a fraud.v1.Rejection.
std::optional<protocol::rejection> rejection_in(natsMsg* msg) {
  if (msg == nullptr)
    return std::nullopt;
  protocol::rejection rej;
  auto ok = protocol::decode_rejection(natsMsg_GetData(msg),
                                       natsMsg_GetDataLength(msg), rej).ok();
  natsMsg_Destroy(msg);
  if (!ok)
    return std::nullopt;
  return rej;
}

TEST_F(fraudd_service, rejects_bytes_that_are_not_a_transaction) {
  auto r = request("fraud.tx.card-1", "\xff\xff\xff garbage");
  expect_rejected(r, fraud::ec::malformed, "");
  auto rej = rejection_in(next(rejections));
  ASSERT_TRUE(rej);
  EXPECT_EQ(rej->error.code(), fraud::ec::malformed);
  EXPECT_EQ(rej->subject, "fraud.tx.card-1");
  EXPECT_EQ(next(decisions, 200), nullptr) << "a rejection is no decision";
}

TEST_F(fraudd_service, a_flood_of_bad_input_is_not_a_flood_of_log_lines) {
  // tx_id (field 1) holding bytes that are not UTF-8: libprotobuf logs a
  // line for each, unless told where its lines go.
  const std::string not_utf8{"\x0a\x02\xff\xfe", 4};
  for (int i = 0; i < 300; ++i)
    expect_rejected(request("fraud.tx.card-1", not_utf8), fraud::ec::malformed,
                    "");
  auto out = fraudd.output();
  std::size_t lines = 0;
  for (auto at = out.find("UTF-8"); at != std::string::npos;
       at = out.find("UTF-8", at + 1))
    ++lines;
  EXPECT_GE(lines, 1u) << "the first ones are logged";
  EXPECT_LE(lines, 10u) << out.substr(0, 2000);
}

TEST_F(fraudd_service, a_far_future_event_time_is_refused_and_blinds_nothing) {
  // One transaction dated 2099 used to be approved and then hide the card's
  // velocity: twelve transactions a minute apart all approved.
  auto future = card_tx("card-ff", 0, "tx-2099");
  future.event_time_ms = 4'070'908'800'000;  // 2099-01-01
  expect_rejected(score(future), fraud::ec::invalid_field, "event_time_ms");
  models::action last = models::action::approve;
  for (int m = 1; m <= 12; ++m) {
    auto r = score(card_tx("card-ff", m, "tx-ff-" + std::to_string(m)));
    ASSERT_TRUE(r.ok);
    last = r.decision.action;
  }
  EXPECT_NE(last, models::action::approve)
    << "velocity still sees twelve transactions in twelve minutes";
}

TEST_F(fraudd_service, rejects_invalid_fields_naming_the_field) {
  auto tx = card_tx("card-1", 0, "tx-bad");
  tx.amount_minor = -5;
  auto r = score(tx);
  expect_rejected(r, fraud::ec::invalid_field, "amount_minor");
  EXPECT_EQ(r.decision.tx_id, "tx-bad");
  auto rej = rejection_in(next(rejections));
  ASSERT_TRUE(rej);
  EXPECT_EQ(rej->tx_id, "tx-bad");
  EXPECT_EQ(rej->error.field(), "amount_minor");
}

TEST_F(fraudd_service, rejects_a_card_that_disagrees_with_the_subject) {
  std::string payload;
  protocol::encode_transaction(card_tx("card-1", 0, "tx-x"), payload);
  auto r = request("fraud.tx.card-2", payload);
  expect_rejected(r, fraud::ec::subject_mismatch, "card_id");
}

TEST_F(fraudd_service, a_subject_token_that_is_not_utf8_is_rejected_readably) {
  // Found by the hostile-input test: the mismatch error quoted the token,
  // and the reply and the rejection (which names the subject) could not
  // be parsed by anyone.
  std::string payload;
  protocol::encode_transaction(card_tx("card-1", 0, "tx-utf"), payload);
  auto r = request("fraud.tx.card\xc3", payload);
  expect_rejected(r, fraud::ec::subject_mismatch, "card_id");
  auto rej = rejection_in(next(rejections));
  ASSERT_TRUE(rej) << "not a fraud.v1.Rejection";
  EXPECT_EQ(rej->subject, "fraud.tx.card\\xc3");
}

TEST_F(fraudd_service, rejected_input_does_not_touch_the_card) {
  score(card_tx("card-3", 0, "tx-ny"));
  auto bad = test::located(card_tx("card-3", 5, "tx-bad"), test::london);
  bad.currency = "pounds";
  expect_rejected(score(bad), fraud::ec::invalid_field,
                  "currency");
  // Had the rejected London transaction been applied, this New York one
  // would look like impossible travel.
  auto r = score(card_tx("card-3", 20, "tx-ny-2"));
  EXPECT_EQ(r.decision.action, models::action::approve);
}

TEST_F(fraudd_service, stops_cleanly_on_sigterm_with_counts) {
  score(card_tx("card-1", 0, "tx-1"));
  request("fraud.tx.card-1", "junk");
  EXPECT_EQ(fraudd.stop(SIGTERM), 0);
  auto out = fraudd.output();
  EXPECT_NE(out.find("received 2, decided 1, rejected 1"), std::string::npos)
    << out;
}

TEST_F(fraudd_service, fraudctl_sends_a_transaction_and_prints_the_decision) {
  std::string out;
  auto rc = test::run_command(test::fraudctl_binary() + " --nats "
                                + nats->url()
                                + " send --json --card card-7 --amount 12.50 "
                                  "--tx-id tx-ctl --lat 40.7 --lon -74",
                              out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"tx_id\": \"tx-ctl\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"action\": \"APPROVE\""), std::string::npos) << out;
  rc = test::run_command(test::fraudctl_binary() + " --nats " + nats->url()
                           + " send --card card-7 --amount 1 --currency usd",
                         out);
  EXPECT_EQ(rc, 3) << out;
  EXPECT_NE(out.find("INVALID_FIELD (currency)"), std::string::npos) << out;
}

// Scale-out shape: the server maps fraud.tx.* onto partitions and each
// instance subscribes to its own; the card is the last subject token.
class partitioned_fraudd : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    return {"--nats",    nats->url(),     "--db",
            dir.file("fraud.db"), "--subject", "fraud.p.0.*",
            "--subject", "fraud.p.1.*"};
  }
};

TEST_F(partitioned_fraudd, takes_transactions_from_partition_subjects) {
  std::string payload;
  protocol::encode_transaction(card_tx("card-5", 0, "tx-p"), payload);
  auto r = request("fraud.p.1.card-5", payload);
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.env.error);
  EXPECT_EQ(r.decision.card_id, "card-5");
}

// The decision stream on the main connection, flushed per publication, as
// before it had a batched connection of its own.
class unbatched_stream_fraudd : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    a.insert(a.end(), {"--stream-send-asap", "true", "--writer-nice", "0"});
    return a;
  }
};

TEST_F(unbatched_stream_fraudd, publishes_every_decision_at_once) {
  for (int i = 0; i < 3; ++i) {
    auto tx_id = "tx-u" + std::to_string(i);
    auto r = score(card_tx("card-u", 0, tx_id));
    ASSERT_TRUE(r.ok);
    auto* msg = next(decisions);
    ASSERT_NE(msg, nullptr);
    models::decision d;
    ASSERT_TRUE(decode_published(msg, d));
    EXPECT_EQ(d.tx_id, tx_id);
    natsMsg_Destroy(msg);
  }
}

// Many transactions, each message nats.c delivered released in batches:
// every one is answered and published, none twice.
TEST_F(fraudd_service, publishes_each_of_many_decisions_once) {
  constexpr int n = 100;  // a few release batches and a partial one
  for (int i = 0; i < n; ++i) {
    std::string payload;
    protocol::encode_transaction(
      card_tx("card-m" + std::to_string(i % 7), 0, "tx-m" + std::to_string(i)),
      payload);
    ASSERT_EQ(natsConnection_Publish(conn->get(),
                                     ("fraud.tx.card-m" + std::to_string(i % 7))
                                       .c_str(),
                                     payload.data(),
                                     static_cast<int>(payload.size())),
              NATS_OK);
  }
  std::set<std::string> seen;
  for (int i = 0; i < n; ++i) {
    auto* msg = next(decisions);
    ASSERT_NE(msg, nullptr) << "after " << i << " decisions";
    models::decision d;
    ASSERT_TRUE(decode_published(msg, d));
    EXPECT_TRUE(seen.insert(d.tx_id).second) << d.tx_id << " twice";
    natsMsg_Destroy(msg);
  }
  EXPECT_EQ(seen.size(), std::size_t{n});
}

// Threads inherit fraudd's --nice (set before any starts); the two SQLite
// writers lower themselves to --writer-nice. Positive values need no
// privilege, so the test holds wherever it runs.
class prioritised_fraudd : public fraudd_service {
protected:
  std::vector<std::string> args() override {
    auto a = fraudd_service::args();
    a.insert(a.end(), {"--nice", "3", "--writer-nice", "12"});
    return a;
  }

  // nice value of every thread of the fraudd process (field 19 of stat)
  std::multiset<int> thread_nices() {
    std::multiset<int> out;
    auto dir = "/proc/" + std::to_string(fraudd.pid()) + "/task";
    for (auto& task : std::filesystem::directory_iterator(dir)) {
      std::ifstream in{task.path() / "stat"};
      std::string stat{std::istreambuf_iterator<char>(in), {}};
      auto after_name = stat.rfind(')');
      if (after_name == std::string::npos)
        continue;
      std::istringstream fields{stat.substr(after_name + 2)};
      std::string field;
      for (int i = 3; i <= 19 && fields >> field; ++i)
        if (i == 19)
          out.insert(std::stoi(field));
    }
    return out;
  }
};

TEST_F(prioritised_fraudd, runs_answering_threads_and_writers_at_their_nice) {
  ASSERT_TRUE(score(card_tx("card-n", 0, "tx-n")).ok);
  // The writers set theirs on their first tick (every few milliseconds).
  std::multiset<int> nices;
  test::eventually(
    [&] {
      nices = thread_nices();
      return nices.count(12) >= 2;
    },
    std::chrono::seconds(2));  // what it saw last is checked below
  EXPECT_EQ(nices.count(12), 2u) << "the decision and snapshot writers";
  EXPECT_GE(nices.count(3), 3u) << "main, NATS and CAF threads";
  EXPECT_EQ(nices.count(3) + nices.count(12), nices.size())
    << "every thread at one of the two";
}

TEST(fraudd_cli, help_lists_the_configuration) {
  std::string out;
  auto rc = test::run_command(test::fraudd_binary() + " --help", out);
  EXPECT_EQ(rc, 0);
  for (auto* flag : {"--nats", "--db", "--subject", "--scheduler",
                     "--workers", "--config"})
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
}

TEST(fraudd_cli, bad_flags_are_a_usage_error) {
  std::string out;
  EXPECT_NE(test::run_command(test::fraudd_binary()
                                + " --scheduler nonsense 2>&1",
                              out),
            0);
}

} // namespace

namespace {

using namespace fraud;

TEST_F(fraudd_service, a_second_fraudd_on_the_same_db_refuses_to_start) {
  test::fraudd_process second;
  EXPECT_FALSE(second.start({"--nats", nats->url(), "--db",
                             dir.file("fraud.db")}));
  EXPECT_NE(second.output().find("fraud.db is in use by another process"),
            std::string::npos)
    << second.output();
  auto r = score(test::card_tx("card-1", 0, "tx-1"));
  ASSERT_TRUE(r.ok) << "the first one stopped answering";
  // Answered once: no second instance published it.
  auto* msg = next(decisions);
  ASSERT_NE(msg, nullptr);
  natsMsg_Destroy(msg);
  EXPECT_EQ(next(decisions, 300), nullptr) << "published twice";
}

// Overwrites `n` bytes of a file at `offset` with garbage.
void scribble(const std::string& path, long offset, std::size_t n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  std::string junk(n, '\xA5');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

class corrupt_database : public ::testing::Test {
protected:
  // A database fraudd wrote, with sixty decisions in it.
  void SetUp() override {
    nats = test::start_nats(dir.path());
    ASSERT_TRUE(nats);
    test::fraudd_process fraudd;
    ASSERT_TRUE(fraudd.start(args()));
    std::string out;
    for (int i = 0; i < 60; ++i)
      test::run_command(test::fraudctl_binary() + " --nats " + nats->url()
                          + " send --card card-" + std::to_string(i % 7)
                          + " --amount 12.50 --tx-id tx-" + std::to_string(i)
                          + " >/dev/null",
                        out);
    ASSERT_EQ(fraudd.stop(SIGTERM), 0);
  }

  std::vector<std::string> args() {
    return {"--nats", nats->url(), "--db", dir.file("fraud.db")};
  }

  test::temp_dir dir;
  std::unique_ptr<service::embedded_nats> nats;
};

TEST_F(corrupt_database, a_scribbled_page_is_refused_naming_the_file) {
  // A page in use, from its header: the decisions' root (a fresh
  // database's migrations leave free pages, whose scribbling no check
  // sees).
  std::int64_t root = 0;
  {
    auto db = service::sqlite_connection::open(dir.file("fraud.db"), false);
    ASSERT_TRUE(db);
    auto st = (*db)->prepare(
      "SELECT rootpage FROM sqlite_master WHERE name = 'decisions'");
    ASSERT_TRUE(st);
    ASSERT_EQ(st->step(), SQLITE_ROW);
    root = st->int64(0);
  }
  auto size = std::filesystem::file_size(dir.file("fraud.db"));
  ASSERT_GT(size, static_cast<std::uintmax_t>(root) * 4096u);
  scribble(dir.file("fraud.db"), (root - 1) * 4096, 2000);
  test::fraudd_process fraudd;
  EXPECT_FALSE(fraudd.start(args()));
  auto out = fraudd.output();
  EXPECT_NE(out.find("fraud.db is not a sound SQLite database"),
            std::string::npos)
    << out;
}

TEST_F(corrupt_database, a_broken_header_is_refused_naming_the_file) {
  scribble(dir.file("fraud.db"), 0, 100);
  test::fraudd_process fraudd;
  EXPECT_FALSE(fraudd.start(args()));
  EXPECT_NE(fraudd.output().find("fraud.db is not a sound SQLite database"),
            std::string::npos)
    << fraudd.output();
}

TEST_F(corrupt_database, a_sound_one_starts) {
  test::fraudd_process fraudd;
  EXPECT_TRUE(fraudd.start(args())) << fraudd.output();
}

} // namespace
