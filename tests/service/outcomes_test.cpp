// The review queue, outcome labels and rule performance end to end: a
// real nats-server, fraudd and SQLite file, asked over the wire contract
// and through fraudctl as an analyst would.
#include <fstream>

#include <nlohmann/json.hpp>

#include "protocol/outcome_codec.hpp"
#include "protocol/query_codec.hpp"
#include "protocol/subjects.hpp"
#include "tests/service/fraudd_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace fraud::test {
namespace {

namespace subjects = protocol::subjects;
using protocol::outcome;

// amount > 100 reviews, > 1000 declines; a shadow rule watches > 50; a
// rule for amounts no test pays never fires.
constexpr const char* rules_text = R"(
rule big:   review  when amount > 100
rule huge:  decline when amount > 1000
rule watch: shadow review when amount > 50
rule vast:  decline when amount > 1000000
)";

class outcomes : public fraudd_service {
protected:
  void SetUp() override {
    fraudd_service::SetUp();
    if (HasFatalFailure())
      return;
    auto r = set_rules(rules_text);
    ASSERT_FALSE(r.error) << fraud::to_string(r.error);
    ASSERT_TRUE(r.errors.empty());
  }

  // A transaction of `amount` dollars on a card of its own; its decision.
  models::decision pay(const std::string& tx_id, double amount) {
    auto tx = sample_tx(t0_ms, amount);
    tx.tx_id = tx_id;
    tx.card_id = "card-" + tx_id;
    auto r = score(tx);
    EXPECT_TRUE(r.ok);
    return r.decision;
  }

  protocol::stats_reply stats() {
    return ask<protocol::stats_reply>(subjects::stats, protocol::stats_query{});
  }

  // Waits until the store wrote `n` decisions: cases and joins read it.
  void stored(std::uint64_t n) {
    ASSERT_TRUE(eventually([&] { return stats().store_written >= n; }))
      << "the store did not write " << n << " decisions";
  }

  protocol::cases_reply cases(bool open_only) {
    protocol::cases_query q;
    q.open_only = open_only;
    return ask<protocol::cases_reply>(subjects::query_cases, q);
  }

  protocol::labels_add_reply send_labels(std::vector<protocol::label> l) {
    return ask<protocol::labels_add_reply>(subjects::labels,
                                           protocol::labels_add{std::move(l)});
  }

  // A request sent without a signature: its reply, decoded as `Reply`.
  template <class Reply, class Query>
  Reply ask_unsigned(const std::string& subject, const Query& q) {
    std::string payload;
    encode(q, payload);
    natsMsg* msg = nullptr;
    Reply r;
    auto s = natsConnection_Request(&msg, conn->get(), subject.c_str(),
                                    payload.data(),
                                    static_cast<int>(payload.size()), 5000);
    EXPECT_EQ(s, NATS_OK);
    if (s != NATS_OK)
      return r;
    EXPECT_FALSE(decode(natsMsg_GetData(msg),
                        static_cast<std::size_t>(natsMsg_GetDataLength(msg)),
                        r));
    natsMsg_Destroy(msg);
    return r;
  }
};

TEST_F(outcomes, a_review_opens_a_case_that_an_analyst_resolves) {
  EXPECT_EQ(pay("ok-1", 20).action, models::action::approve);
  EXPECT_EQ(pay("rev-1", 200).action, models::action::review);
  EXPECT_EQ(pay("rev-2", 300).action, models::action::review);
  stored(3);
  auto open = cases(true);
  ASSERT_FALSE(open.error) << fraud::to_string(open.error);
  ASSERT_EQ(open.cases.size(), 2u);
  EXPECT_EQ(open.open, 2u);
  EXPECT_EQ(open.cases[1].tx_id, "rev-1");
  EXPECT_EQ(open.cases[1].rules, std::vector<std::string>{"big"});
  EXPECT_EQ(open.cases[1].amount_minor, 20000);

  int rc = 0;
  auto out = ctl("cases resolve rev-1 fraud --note 'card holder denies it'",
                 rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("rev-1"), std::string::npos) << out;
  EXPECT_NE(out.find("resolved"), std::string::npos) << out;
  EXPECT_NE(out.find("alice"), std::string::npos) << out;
  EXPECT_NE(out.find("card holder denies it"), std::string::npos) << out;

  out = ctl("cases list --open", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("rev-2"), std::string::npos) << out;
  EXPECT_EQ(out.find("rev-1"), std::string::npos) << out;
  EXPECT_NE(out.find("1 open in all"), std::string::npos) << out;

  // The resolution is a label, source "case", joined with the decision.
  protocol::labels_query lq;
  lq.tx_id = "rev-1";
  auto labels = ask<protocol::labels_reply>(subjects::query_labels, lq);
  ASSERT_EQ(labels.labels.size(), 1u);
  EXPECT_EQ(labels.labels[0].value.source, "case");
  EXPECT_EQ(labels.labels[0].value.result, outcome::fraud);
  EXPECT_TRUE(labels.labels[0].decided);
  EXPECT_EQ(labels.labels[0].action, models::action::review);
  EXPECT_EQ(labels.labels[0].signer.rfind("alice (", 0), 0u);

  auto s = stats();
  EXPECT_EQ(s.cases_opened, 2u);
  EXPECT_EQ(s.cases_resolved, 1u);

  // No case for an approval: NOT_FOUND, fraudctl exit 4.
  out = ctl("cases resolve ok-1 legit", rc);
  EXPECT_EQ(rc, 4) << out;
  EXPECT_NE(out.find("NOT_FOUND"), std::string::npos) << out;
}

TEST_F(outcomes, labels_are_idempotent_and_unknown_ones_are_kept) {
  pay("a", 20);
  stored(1);
  auto first = send_labels({{"a", outcome::fraud, "chargeback", 0, ""},
                            {"ghost", outcome::fraud, "chargeback", 0, ""}});
  ASSERT_FALSE(first.error) << fraud::to_string(first.error);
  EXPECT_EQ(first.added, 2u);
  EXPECT_EQ(first.decided, 1u);
  EXPECT_EQ(first.unknown, 1u);
  auto again = send_labels({{"a", outcome::fraud, "chargeback", 0, ""}});
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.unchanged, 1u);

  int rc = 0;
  auto out = ctl("labels add a fraud --source chargeback", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("1 already there"), std::string::npos) << out;

  out = ctl("labels list --unknown", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("ghost"), std::string::npos) << out;
  EXPECT_EQ(out.find(" a "), std::string::npos) << out;
  EXPECT_NE(out.find("2 transactions labelled from outside, 1 of them never "
                     "decided"),
            std::string::npos)
    << out;

  auto s = stats();
  EXPECT_EQ(s.labels_added, 2u);
  EXPECT_EQ(s.labels_unchanged, 2u);
}

// A small labelled replay whose figures are worked out by hand:
//   a  $20    approve   no rule                 fraud (chargeback)
//   b  $60    approve   shadow watch            fraud (chargeback)
//   c  $200   review    big, shadow watch       fraud (its case, resolved)
//   d  $2000  decline   big huge, shadow watch  legit (customer)
//   e  $150   review    big, shadow watch       not labelled
// Labelled fraud: a b c (3); legit: d (1).
//   big:   fired 3 (c d e), fraud 1, legit 1, precision 0.5, missed 2
//   huge:  fired 1 (d),     fraud 0, legit 1, precision 0,   missed 3
//   watch: fired 4 (b c d e), fraud 2, legit 1, precision 2/3, missed 1
TEST_F(outcomes, rule_performance_on_a_labelled_replay_with_known_answers) {
  for (auto [id, amount] : std::vector<std::pair<const char*, double>>{
         {"a", 20}, {"b", 60}, {"c", 200}, {"d", 2000}, {"e", 150}})
    pay(id, amount);
  stored(5);
  auto file = dir.file("labels.csv");
  {
    std::ofstream csv{file};
    csv << "tx_id,outcome,source,at_ms,note\n"
        << "a,fraud,chargeback\n"
        << "b,fraud,chargeback,,reason code 10.4, card absent\n"
        << "# a comment\n"
        << "d,legit,customer\n"
        << "ghost,fraud,chargeback\n";
  }
  int rc = 0;
  auto out = ctl("labels load " + file, rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("4 labels: 4 added"), std::string::npos) << out;
  EXPECT_NE(out.find("3 joined with a decision, 1 for a transaction no "
                     "instance decided"),
            std::string::npos)
    << out;
  out = ctl("cases resolve c fraud", rc);
  EXPECT_EQ(rc, 0) << out;

  out = ctl("--json rules performance --since 0", rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["decisions"], 5);
  EXPECT_EQ(j["fraud"], 3);
  EXPECT_EQ(j["legit"], 1);
  EXPECT_EQ(j["labelled"], 4);  // a b d ghost: c's is a case label
  EXPECT_EQ(j["labelled_decided"], 3);
  std::map<std::string, nlohmann::json> by_rule;
  for (auto& r : j["rules"])
    by_rule[r["rule"].get<std::string>()] = r;
  ASSERT_EQ(by_rule.size(), 4u) << out;  // vast too, which never fired
  auto figures = [&](const std::string& rule) {
    auto& r = by_rule[rule];
    return std::vector<int>{r["shadow"].get<bool>(), r["fired"].get<int>(),
                            r["fraud"].get<int>(), r["legit"].get<int>(),
                            r["missed"].get<int>()};
  };
  EXPECT_EQ(figures("big"), (std::vector<int>{0, 3, 1, 1, 2}));
  EXPECT_EQ(figures("huge"), (std::vector<int>{0, 1, 0, 1, 3}));
  EXPECT_EQ(figures("watch"), (std::vector<int>{1, 4, 2, 1, 1}));
  EXPECT_EQ(figures("vast"), (std::vector<int>{0, 0, 0, 0, 3}));
  EXPECT_DOUBLE_EQ(by_rule["big"]["precision"].get<double>(), 0.5);
  EXPECT_NEAR(by_rule["watch"]["precision"].get<double>(), 2.0 / 3, 1e-9);

  // The table a person reads says the same, and points at the unknown.
  out = ctl("rules performance", rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("5 decisions since"), std::string::npos) << out;
  EXPECT_NE(out.find("1 outside labels name a transaction no instance"),
            std::string::npos)
    << out;
}

TEST_F(outcomes, bad_input_gets_a_clear_error_and_is_counted) {
  auto expect_refused = [&](protocol::labels_add_reply r, ec code,
                            const std::string& field) {
    EXPECT_EQ(r.error.code(), code) << fraud::to_string(r.error);
    EXPECT_EQ(r.error.field(), field) << fraud::to_string(r.error);
  };
  expect_refused(send_labels({{"t1", outcome::unspecified, "chargeback", 0,
                               ""}}),
                 ec::bad_request, "labels[0].outcome");
  expect_refused(send_labels({{"t1", outcome::fraud, "chargeback", 0, ""},
                              {"", outcome::fraud, "chargeback", 0, ""}}),
                 ec::bad_request, "labels[1].tx_id");
  expect_refused(send_labels({{"t1", outcome::fraud, "Charge Back", 0, ""}}),
                 ec::bad_request, "labels[0].source");
  expect_refused(send_labels({{"t1", outcome::fraud, "case", 0, ""}}),
                 ec::bad_request, "labels[0].source");
  expect_refused(send_labels({{"t1", outcome::fraud, "chargeback", 0,
                               std::string(2000, 'x')}}),
                 ec::limit_exceeded, "labels[0].note");
  std::vector<protocol::label> many(protocol::max_labels_per_request + 1,
                                    {"t1", outcome::fraud, "chargeback", 0,
                                     ""});
  expect_refused(send_labels(many), ec::limit_exceeded, "labels");
  // Not a LabelsAdd at all.
  auto garbage = raw_request(subjects::labels, "\xff\xff\xff");
  protocol::labels_add_reply r;
  ASSERT_FALSE(decode(garbage.data(), garbage.size(), r));
  EXPECT_EQ(r.error.code(), ec::bad_request);
  // Unsigned: nobody vouches for it.
  auto denied = ask_unsigned<protocol::labels_add_reply>(
    subjects::labels,
    protocol::labels_add{{{"t1", outcome::fraud, "chargeback", 0, ""}}});
  EXPECT_EQ(denied.error.code(), ec::permission_denied);
  auto not_resolved = ask_unsigned<protocol::case_resolve_reply>(
    subjects::cases_resolve, protocol::case_resolve{"t1", outcome::fraud, ""});
  EXPECT_EQ(not_resolved.error.code(), ec::permission_denied);

  auto s = stats();
  EXPECT_EQ(s.labels_refused, 8u);
  EXPECT_EQ(s.labels_added, 0u);
  EXPECT_GE(s.requests_limited, 2u);

  // fraudctl says what is wrong before sending anything.
  int rc = 0;
  auto out = ctl("labels add t1 maybe", rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("fraud or legit"), std::string::npos) << out;
  auto file = dir.file("bad.csv");
  {
    std::ofstream csv{file};
    csv << "t1,fraud\nt2,perhaps\n";
  }
  out = ctl("labels load " + file, rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("line 2"), std::string::npos) << out;
  EXPECT_EQ(stats().labels_added, 0u);  // nothing of the file was sent
}

} // namespace
} // namespace fraud::test
