// Queries over NATS against a real fraudd, nats-server and SQLite file:
// what an analyst or the authorisation team asks, and the durability
// promise under kill -9.
#include <chrono>

#include "protocol/query_codec.hpp"
#include "service/client/clock.hpp"
#include "service/decision_db_reader.hpp"
#include "service/sqlite_connection.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using fraud::test::located;
using fraud::test::london;
using fraud::test::card_tx;
using fraud::test::fraudd_service;

class queries : public fraudd_service {
protected:
  protocol::decision_reply decision(const std::string& tx_id) {
    return ask<protocol::decision_reply>("fraud.query.decision",
                                         protocol::decision_query{tx_id});
  }

  // Decisions are stored a few milliseconds after they are made.
  protocol::decision_reply stored(const std::string& tx_id) {
    protocol::decision_reply r;
    EXPECT_TRUE(test::eventually(
      [&] {
        r = decision(tx_id);
        return r.decision.has_value();
      },
      std::chrono::seconds(2)))
      << tx_id << " never stored";
    return r;
  }

  protocol::decisions_reply search(const protocol::decisions_query& q) {
    return ask<protocol::decisions_reply>("fraud.query.decisions", q);
  }

  protocol::stats_reply stats() {
    return ask<protocol::stats_reply>("fraud.stats", protocol::stats_query{});
  }

  // New York, then London ten minutes later: one approve, one decline.
  void score_a_trip(const std::string& card) {
    score(card_tx(card, 0, card + "-ny"));
    score(test::in_country(
      test::located(card_tx(card, 10, card + "-london"), test::london), "GB"));
    stored(card + "-london");
  }
};

TEST_F(queries, a_decision_by_tx_id_with_its_reasons) {
  score_a_trip("card-1");
  auto r = stored("card-1-london");
  ASSERT_TRUE(r.decision);
  EXPECT_FALSE(r.error);
  auto& d = r.decision->decision;
  EXPECT_EQ(d.card_id, "card-1");
  EXPECT_EQ(d.action, models::action::decline);
  ASSERT_FALSE(d.reasons.empty());
  EXPECT_EQ(d.reasons[0].rule, "impossible_travel");
  EXPECT_EQ(d.country, "GB");
  EXPECT_EQ(d.amount_minor, 2500);
  EXPECT_GT(r.decision->env.service_latency_ns, 0);
}

TEST_F(queries, an_unknown_tx_id_is_not_found) {
  auto r = decision("tx-never-seen");
  EXPECT_FALSE(r.decision);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.code(), fraud::ec::not_found);
  EXPECT_EQ(r.error.field(), "tx_id");
}

TEST_F(queries, malformed_queries_get_bad_request) {
  for (auto* subject : {"fraud.query.decision", "fraud.query.card",
                        "fraud.query.decisions"}) {
    auto bytes = raw_request(subject, "\xff\xff\xff not protobuf");
    protocol::decisions_reply r; // every reply has its error in field 3 or 2
    protocol::decision_reply dr;
    protocol::card_reply cr;
    fraud::error err;
    if (std::string{subject} == "fraud.query.decision") {
      ASSERT_TRUE(protocol::decode(bytes.data(), bytes.size(), dr).ok());
      err = dr.error;
    } else if (std::string{subject} == "fraud.query.card") {
      ASSERT_TRUE(protocol::decode(bytes.data(), bytes.size(), cr).ok());
      err = cr.error;
    } else {
      ASSERT_TRUE(protocol::decode(bytes.data(), bytes.size(), r).ok());
      err = r.error;
    }
    ASSERT_TRUE(err) << subject;
    EXPECT_EQ(err.code(), fraud::ec::bad_request) << subject;
  }
  protocol::decisions_query q;
  q.limit = 5000;
  auto r = search(q);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.field(), "limit");
  q.limit = 10;
  q.card_id = "not a card!";
  r = search(q);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.field(), "card_id");
  EXPECT_GE(stats().rejected, 0u);
}

TEST_F(queries, a_card_shows_its_live_state_and_latest_decisions) {
  score(card_tx("card-2", 0, "card-2-ny"));
  // Toronto five hours later: a possible trip, approved.
  constexpr test::place toronto{43.65, -79.38};
  score(test::in_country(
    test::located(card_tx("card-2", 300, "card-2-toronto"), toronto), "CA"));
  stored("card-2-toronto");
  auto r = ask<protocol::card_reply>("fraud.query.card",
                                     protocol::card_query{"card-2", 10});
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.active);
  EXPECT_EQ(r.card.tx_count, 2u);
  EXPECT_TRUE(r.card.has_location);
  EXPECT_NEAR(r.card.last_lat, 43.65, 1e-9);
  EXPECT_EQ(r.card.country_count, 2u);
  ASSERT_EQ(r.decisions.size(), 2u);
  EXPECT_EQ(r.decisions[0].decision.tx_id, "card-2-toronto");
  r = ask<protocol::card_reply>("fraud.query.card",
                                protocol::card_query{"card-unknown", 10});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.code(), fraud::ec::not_found);
}

TEST_F(queries, decisions_filter_by_action_card_rule_and_page) {
  for (int i = 0; i < 5; ++i)
    score_a_trip("card-p" + std::to_string(i));
  protocol::decisions_query q;
  q.action = models::action::decline;
  q.rule = "impossible_travel";
  q.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto r = search(q);
    ASSERT_FALSE(r.error);
    for (auto& d : r.decisions) {
      EXPECT_EQ(d.decision.action, models::action::decline);
      seen.push_back(d.decision.tx_id);
    }
    if (r.next_cursor.empty())
      break;
    q.cursor = r.next_cursor;
  }
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front(), "card-p4-london") << "newest first";
  protocol::decisions_query by_card;
  by_card.card_id = "card-p1";
  auto r = search(by_card);
  ASSERT_EQ(r.decisions.size(), 2u);
  protocol::decisions_query approved;
  approved.action = models::action::approve;
  approved.since_ms = service::wall_ms() - 60'000;
  EXPECT_EQ(search(approved).decisions.size(), 5u);
}

TEST_F(queries, stats_count_what_happened) {
  score_a_trip("card-s");
  raw_request("fraud.tx.card-s", "garbage");
  // The store writer commits (and counts) the two decisions in its own
  // time, after they were answered: read once both are in (under load
  // the first read came too early, store_written 0).
  protocol::stats_reply s;
  ASSERT_TRUE(test::eventually([&] {
    s = stats();
    return s.store_written == 2;
  })) << "store_written " << s.store_written;
  EXPECT_EQ(s.received, 3u);
  EXPECT_EQ(s.approved, 1u);
  EXPECT_EQ(s.declined, 1u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.rejected_malformed, 1u);
  EXPECT_EQ(s.active_cards, 1u);
  EXPECT_EQ(s.store_written, 2u);
  EXPECT_EQ(s.latency_since_start.count, 2u);
  EXPECT_GT(s.latency_since_start.p50_us, 0);
  EXPECT_EQ(s.ruleset_version, "rules-1");
  ASSERT_FALSE(s.rule_hits.empty());
  EXPECT_EQ(s.rule_hits[0].first, "impossible_travel");
  EXPECT_GT(s.uptime_ms, 0);
}

TEST_F(queries, a_resent_transaction_returns_the_first_decision_once) {
  auto first = score(card_tx("card-r", 0, "tx-again"));
  // From London: were it scored again, this would be a decline.
  auto second =
    score(test::located(card_tx("card-r", 10, "tx-again"), test::london));
  ASSERT_TRUE(second.ok);
  EXPECT_TRUE(second.env.duplicate);
  EXPECT_EQ(second.decision.action, first.decision.action);
  EXPECT_EQ(second.env.decided_at_ms, first.env.decided_at_ms);
  auto s = stats();
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.approved, 1u);
  stored("tx-again");
  protocol::decisions_query q;
  q.card_id = "card-r";
  EXPECT_EQ(search(q).decisions.size(), 1u);
}

// A store far behind (it writes every ten seconds here): re-sends are
// answered from the cards' memory (here their last eight decisions),
// without waiting for the store, without writing its backlog first, and
// without scoring anything twice.
class queries_with_a_backlog : public queries {
protected:
  std::vector<std::string> args() override {
    auto a = queries::args();
    a.insert(a.end(), {"--store-flush-ms", "10000", "--resend-memory", "8"});
    return a;
  }
};

TEST_F(queries_with_a_backlog, resends_do_not_wait_for_the_store) {
  constexpr int cards = 100, each = 5;
  std::vector<std::string> first(cards * each);
  for (int c = 0; c < cards; ++c)
    for (int i = 0; i < each; ++i) {
      auto tx = card_tx("card-" + std::to_string(c), i,
                        "tx-" + std::to_string(c) + "-" + std::to_string(i));
      auto r = score(tx);
      ASSERT_TRUE(r.ok);
      first[c * each + i] = models::to_string(r.decision.action);
    }
  for (int c = 0; c < cards; ++c)
    for (int i = 0; i < each; ++i) {
      // London an hour later: would change a scored answer.
      auto tx = located(card_tx("card-" + std::to_string(c), i + 60,
                                "tx-" + std::to_string(c) + "-"
                                  + std::to_string(i)),
                        london);
      auto r = score(tx);
      ASSERT_TRUE(r.ok);
      EXPECT_TRUE(r.env.duplicate);
      EXPECT_EQ(models::to_string(r.decision.action), first[c * each + i]);
    }
  auto s = stats();
  EXPECT_EQ(s.approved + s.reviewed + s.declined, 500u) << "scored twice";
  EXPECT_EQ(s.duplicates, 500u);
  EXPECT_EQ(s.store_written, 0u) << "re-sends made the store write";
  EXPECT_EQ(s.store_backlog, 500u);
  // And the backlog is written at shutdown.
  EXPECT_EQ(fraudd.stop(SIGTERM), 0) << fraudd.output();
  auto db = service::decision_db_reader::open(dir.file("fraud.db"));
  ASSERT_TRUE(db);
  auto found = (*db)->by_tx("tx-99-4");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->empty());
}

// SIGTERM in the middle of a flood of re-sends and new transactions:
// fraudd exits 0 within the drain timeout and a bounded flush (it once
// hung forever in CAF's clock with look-ups pending).
TEST_F(queries_with_a_backlog, sigterm_during_a_flood_of_resends_exits_in_time) {
  for (int c = 0; c < 200; ++c)
    score(card_tx("card-" + std::to_string(c), 0, "tx-" + std::to_string(c)));
  std::string payload;
  for (int round = 0; round < 50; ++round)
    for (int c = 0; c < 200; ++c) {
      auto tx = card_tx("card-" + std::to_string(c), round,
                        round % 2 ? "tx-" + std::to_string(c)
                                  : "tx-" + std::to_string(c) + "-"
                                      + std::to_string(round));
      protocol::encode_transaction(tx, payload);
      auto subject = "fraud.tx.card-" + std::to_string(c);
      natsConnection_PublishRequest(conn->get(), subject.c_str(),
                                    "_INBOX.nobody", payload.data(),
                                    static_cast<int>(payload.size()));
    }
  natsConnection_Flush(conn->get());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(fraudd.stop(SIGTERM), 0) << fraudd.output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds{15});
}

TEST_F(queries, fraudctl_answers_people_and_scripts) {
  score_a_trip("card-c");
  int rc = 0;
  auto out = ctl("decision card-c-london", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("impossible_travel"), std::string::npos) << out;
  out = ctl("decision nope", rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("NOT_FOUND"), std::string::npos) << out;
  out = ctl("--json decisions --action decline --since 10m --rule "
            "impossible_travel",
            rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"tx_id\": \"card-c-london\""), std::string::npos)
    << out;
  out = ctl("card card-c", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("active"), std::string::npos) << out;
  out = ctl("stats", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("decline 1"), std::string::npos) << out;
  out = ctl("decisions --action maybe", rc);
  EXPECT_EQ(rc, 2) << out;
  out = ctl("watch --seconds 1", rc);
  EXPECT_EQ(rc, 0) << out;
}

TEST_F(queries, kill_9_keeps_every_decision_acknowledged_as_stored) {
  // Publish a stream of transactions; while it flows, note how many
  // decisions the store says it has committed; then kill -9.
  std::string payload;
  std::uint64_t acknowledged = 0;
  for (int i = 0; i < 20'000; ++i) {
    auto tx = card_tx("card-k" + std::to_string(i % 500), i / 500,
                      "k-" + std::to_string(i));
    protocol::encode_transaction(tx, payload);
    natsConnection_Publish(conn->get(), ("fraud.tx." + tx.card_id).c_str(),
                           payload.data(), static_cast<int>(payload.size()));
    if (i % 2000 == 1999) {
      conn->flush(2000);
      acknowledged = stats().store_written;
    }
  }
  acknowledged = stats().store_written;
  ASSERT_GT(acknowledged, 0u);
  EXPECT_EQ(fraudd.stop(SIGKILL), 128 + SIGKILL);
  auto db = service::sqlite_connection::open(dir.file("fraud.db"), true);
  ASSERT_TRUE(db) << fraud::to_string(db.error());
  auto check = (*db)->prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check);
  ASSERT_EQ(check->step(), SQLITE_ROW);
  EXPECT_EQ(check->text(0), "ok");
  auto count = (*db)->prepare("SELECT count(*) FROM decisions");
  ASSERT_TRUE(count);
  ASSERT_EQ(count->step(), SQLITE_ROW);
  EXPECT_GE(static_cast<std::uint64_t>(count->int64(0)), acknowledged);
}

TEST_F(queries, a_restarted_fraudd_still_answers_for_old_decisions) {
  score_a_trip("card-old");
  ASSERT_EQ(fraudd.stop(SIGTERM), 0);
  ASSERT_TRUE(fraudd.start(args())) << fraudd.output();
  auto r = decision("card-old-london");
  ASSERT_TRUE(r.decision);
  EXPECT_EQ(r.decision->decision.action, models::action::decline);
}

} // namespace
