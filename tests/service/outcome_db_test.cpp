// The review queue, labels and rule performance against a real SQLite
// file: cases opened by the decision store, resolved; labels idempotent,
// joined with their decisions, kept when no decision matches; each rule's
// figures on a small labelled set whose answers are worked out by hand.
#include <array>

#include <gtest/gtest.h>

#include "protocol/codec.hpp"
#include "service/decision_db.hpp"
#include "service/outcome_db.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using protocol::outcome;

std::string encoded(const std::string& tx_id, models::action a,
                    std::int64_t decided_at, std::vector<std::string> rules,
                    std::vector<std::string> shadow = {}) {
  models::decision d;
  d.tx_id = tx_id;
  d.card_id = "card-" + tx_id;
  d.action = a;
  d.score = a == models::action::approve ? 0 : 70;
  for (auto& r : rules)
    d.reasons.push_back(models::reason{r, "because", 1, 2, 40});
  for (auto& r : shadow)
    d.shadow_reasons.push_back(models::reason{r, "would have", 1, 2, 40});
  d.ruleset_version = "rules-1";
  d.event_time_ms = decided_at - 5;
  d.amount_minor = 5000;
  d.currency = "EUR";
  d.merchant_id = "m-1";
  d.mcc = 5999;
  d.country = "DE";
  d.channel = models::channel::ecom;
  protocol::decision_envelope env;
  env.decided_at_ms = decided_at;
  std::string out;
  protocol::encode_decision(d, env, out);
  return out;
}

protocol::label lab(const std::string& tx, outcome o, const std::string& src,
                    std::int64_t at) {
  return protocol::label{tx, o, src, at, ""};
}

constexpr auto approve = models::action::approve;
constexpr auto review = models::action::review;
constexpr auto decline = models::action::decline;
constexpr const char* alice = "alice (UALICE)";

class outcomes : public ::testing::Test {
protected:
  void SetUp() override {
    auto s = service::decision_db::open(path());
    ASSERT_TRUE(s) << fraud::to_string(s.error());
    store = std::move(*s);
    auto w = service::outcome_db::open(path(), true);
    ASSERT_TRUE(w) << fraud::to_string(w.error());
    writer = std::move(*w);
    auto r = service::outcome_db::open(path(), false);
    ASSERT_TRUE(r) << fraud::to_string(r.error());
    reader = std::move(*r);
  }

  std::string path() const { return dir.file("decisions.db"); }

  void write(std::vector<std::string> payloads) {
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    auto n = store->write(views);
    ASSERT_TRUE(n) << fraud::to_string(n.error());
  }

  service::labels_stored add(std::vector<protocol::label> labels) {
    auto r = writer->add_labels(labels, alice, 9999);
    EXPECT_TRUE(r) << fraud::to_string(r.error());
    return r ? *r : service::labels_stored{};
  }

  std::vector<std::string> case_ids(protocol::cases_query q,
                                    std::string* next = nullptr) {
    auto r = reader->cases(q, service::page_bounds{q.limit, 0, 0});
    EXPECT_TRUE(r) << fraud::to_string(r.error());
    std::vector<std::string> out;
    if (!r)
      return out;
    for (auto& c : r->cases)
      out.push_back(c.tx_id);
    if (next != nullptr)
      *next = r->next_cursor;
    return out;
  }

  test::temp_dir dir;
  std::unique_ptr<service::decision_db> store;
  std::unique_ptr<service::outcome_db> writer;
  std::unique_ptr<service::outcome_db> reader;
};

TEST_F(outcomes, a_review_opens_a_case_and_nothing_else_does) {
  write({encoded("t1", approve, 1000, {}),
         encoded("t2", review, 2000, {"velocity"}),
         encoded("t3", decline, 3000, {"geo"}),
         encoded("t4", review, 4000, {"geo", "amount"})});
  // A re-sent tx_id keeps its first decision and opens nothing again.
  write({encoded("t2", review, 5000, {"velocity"})});
  EXPECT_EQ(store->cases_opened(), 2u);
  EXPECT_EQ(case_ids({}), (std::vector<std::string>{"t4", "t2"}));
  protocol::cases_query by_rule;
  by_rule.rule = "geo";
  EXPECT_EQ(case_ids(by_rule), std::vector<std::string>{"t4"});
  by_rule.rule = "ge";  // a whole rule name, not a part of one
  EXPECT_TRUE(case_ids(by_rule).empty());
  auto all = reader->cases({}, service::page_bounds{50, 0, 0});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->open, 2u);
  auto& t4 = all->cases.front();
  EXPECT_EQ(t4.card_id, "card-t4");
  EXPECT_EQ(t4.state, protocol::case_state::open);
  EXPECT_EQ(t4.rules, (std::vector<std::string>{"geo", "amount"}));
  EXPECT_EQ(t4.opened_at_ms, 4000);
  EXPECT_EQ(t4.amount_minor, 5000);
}

TEST_F(outcomes, cases_page_by_a_cursor_every_instance_understands) {
  write({encoded("a", review, 1000, {"r"}), encoded("b", review, 2000, {"r"}),
         encoded("c", review, 2000, {"r"})});
  protocol::cases_query q;
  q.limit = 2;
  std::string next;
  EXPECT_EQ(case_ids(q, &next), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(next, "2000//b");
  q.cursor = next;
  EXPECT_EQ(case_ids(q, &next), std::vector<std::string>{"a"});
  EXPECT_EQ(next, "");
}

TEST_F(outcomes, resolving_a_case_closes_it_and_labels_the_transaction) {
  write({encoded("t2", review, 2000, {"velocity"}),
         encoded("t4", review, 4000, {"geo"})});
  protocol::case_resolve q{"t2", outcome::fraud, "card holder confirmed"};
  service::labels_stored label;
  auto r = writer->resolve(q, alice, 7000, label);
  ASSERT_TRUE(r) << fraud::to_string(r.error());
  ASSERT_TRUE(*r);
  EXPECT_EQ(label.added, 1u);
  EXPECT_EQ((*r)->state, protocol::case_state::fraud);
  EXPECT_EQ((*r)->resolved_by, alice);
  EXPECT_EQ((*r)->resolved_at_ms, 7000);
  EXPECT_EQ((*r)->note, "card holder confirmed");
  protocol::cases_query open;
  open.open_only = true;
  EXPECT_EQ(case_ids(open), std::vector<std::string>{"t4"});

  protocol::labels_query lq;
  lq.tx_id = "t2";
  auto labels = reader->labels(lq, service::page_bounds{50, 0, 0});
  ASSERT_TRUE(labels);
  ASSERT_EQ(labels->labels.size(), 1u);
  auto& l = labels->labels.front();
  EXPECT_EQ(l.value.source, "case");
  EXPECT_EQ(l.value.result, outcome::fraud);
  EXPECT_EQ(l.signer, alice);
  EXPECT_TRUE(l.decided);
  EXPECT_EQ(l.action, review);
  // A case label is not an outside label: not counted among them.
  EXPECT_EQ(labels->labelled, 0u);

  // A correction: resolved again, the other way.
  q.result = outcome::legit;
  label = {};
  r = writer->resolve(q, "bob (UBOB)", 8000, label);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->state, protocol::case_state::legit);
  EXPECT_EQ((*r)->resolved_by, "bob (UBOB)");
  EXPECT_EQ(label.changed, 1u);

  auto none = writer->resolve({"nobody", outcome::fraud, ""}, alice, 9000,
                              label);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(outcomes, labels_are_idempotent_and_joined_with_their_decisions) {
  write({encoded("t1", approve, 1000, {}),
         encoded("t3", decline, 3000, {"geo"})});
  auto first = add({lab("t1", outcome::fraud, "chargeback", 500),
                    lab("t3", outcome::legit, "customer", 600)});
  EXPECT_EQ(first.added, 2u);
  EXPECT_EQ(first.decided, 2u);
  EXPECT_EQ(first.unknown, 0u);
  // The same again: one label each, unchanged.
  auto again = add({lab("t1", outcome::fraud, "chargeback", 700)});
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.unchanged, 1u);
  // Another source says the same: a second label of that tx_id.
  auto other = add({lab("t1", outcome::fraud, "customer", 800)});
  EXPECT_EQ(other.added, 1u);
  // The same source changes its mind: replaced, not added.
  auto changed = add({lab("t3", outcome::fraud, "customer", 900)});
  EXPECT_EQ(changed.changed, 1u);

  auto all = reader->labels({}, service::page_bounds{50, 0, 0});
  ASSERT_TRUE(all) << fraud::to_string(all.error());
  ASSERT_EQ(all->labels.size(), 3u);
  // Newest at_ms first; the first chargeback label kept its time.
  EXPECT_EQ(all->labels[0].value.tx_id, "t3");
  EXPECT_EQ(all->labels[0].value.result, outcome::fraud);
  EXPECT_EQ(all->labels[0].action, decline);
  EXPECT_EQ(all->labels[0].rules, std::vector<std::string>{"geo"});
  EXPECT_EQ(all->labels[2].value.source, "chargeback");
  EXPECT_EQ(all->labels[2].value.at_ms, 500);
  EXPECT_EQ(all->labelled, 2u);
  EXPECT_EQ(all->unknown, 0u);
}

TEST_F(outcomes, a_label_for_an_unknown_transaction_is_kept_and_reported) {
  write({encoded("t1", approve, 1000, {})});
  auto r = add({lab("ghost", outcome::fraud, "chargeback", 500),
                lab("t1", outcome::legit, "customer", 600)});
  EXPECT_EQ(r.added, 2u);
  EXPECT_EQ(r.unknown, 1u);
  EXPECT_EQ(r.decided, 1u);
  protocol::labels_query q;
  q.unknown_only = true;
  auto unknown = reader->labels(q, service::page_bounds{50, 0, 0});
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->labels.size(), 1u);
  EXPECT_EQ(unknown->labels[0].value.tx_id, "ghost");
  EXPECT_FALSE(unknown->labels[0].decided);
  EXPECT_EQ(unknown->labelled, 2u);
  EXPECT_EQ(unknown->unknown, 1u);
  // Its decision arrives later (a store catching up): joined from then on.
  write({encoded("ghost", approve, 2000, {})});
  unknown = reader->labels(q, service::page_bounds{50, 0, 0});
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->labels.empty());
  EXPECT_EQ(unknown->unknown, 0u);
}

// Six decisions, labelled; the figures worked out by hand:
//   t1 approve, no rule                      fraud (chargeback)
//   t2 review   velocity                     fraud (its case, resolved)
//   t3 decline  velocity geo                 legit (customer's later word
//                                            overrides a chargeback)
//   t4 review   geo                          not labelled
//   t5 approve  shadow: shadow_x             fraud
//   t6 decline  geo, shadow: shadow_x        fraud
// Labelled fraud: t1 t2 t5 t6 (4); legit: t3 (1).
//   velocity: fired 2 (t2 t3), fraud 1, legit 1, precision 0.5, missed 3
//   geo:      fired 3 (t3 t4 t6), fraud 1, legit 1, precision 0.5, missed 3
//   shadow_x: fired 2 (t5 t6), fraud 2, legit 0, precision 1, missed 2
TEST_F(outcomes, rule_performance_on_a_labelled_set_with_known_answers) {
  write({encoded("t1", approve, 1000, {}),
         encoded("t2", review, 2000, {"velocity"}),
         encoded("t3", decline, 3000, {"velocity", "geo"}),
         encoded("t4", review, 4000, {"geo"}),
         encoded("t5", approve, 5000, {}, {"shadow_x"}),
         encoded("t6", decline, 6000, {"geo"}, {"shadow_x"})});
  add({lab("t1", outcome::fraud, "chargeback", 100),
       lab("t3", outcome::fraud, "chargeback", 100),
       lab("t3", outcome::legit, "customer", 200),
       lab("t5", outcome::fraud, "chargeback", 100),
       lab("t6", outcome::fraud, "chargeback", 100),
       lab("elsewhere", outcome::fraud, "chargeback", 100)});
  service::labels_stored label;
  ASSERT_TRUE(writer->resolve({"t2", outcome::fraud, ""}, alice, 300, label));

  auto p = reader->performance(0, 0);
  ASSERT_TRUE(p) << fraud::to_string(p.error());
  EXPECT_EQ(p->decisions, 6u);
  EXPECT_EQ(p->fraud, 4u);
  EXPECT_EQ(p->legit, 1u);
  EXPECT_EQ(p->labelled, 5u);  // t1 t3 t5 t6 elsewhere: not t2's case label
  EXPECT_EQ(p->labelled_decided, 4u);
  auto find = [&](const std::string& rule) {
    for (auto& r : p->rules)
      if (r.rule == rule)
        return r;
    ADD_FAILURE() << "no figures for " << rule;
    return protocol::rule_performance{};
  };
  // {shadow, fired, fraud, legit, missed} and precision.
  using figures = std::array<std::uint64_t, 5>;
  auto of = [](const protocol::rule_performance& r) {
    return figures{r.shadow, r.fired, r.fraud, r.legit, r.missed};
  };
  EXPECT_EQ(of(find("velocity")), (figures{0, 2, 1, 1, 3}));
  EXPECT_DOUBLE_EQ(find("velocity").precision, 0.5);
  EXPECT_EQ(of(find("geo")), (figures{0, 3, 1, 1, 3}));
  EXPECT_EQ(of(find("shadow_x")), (figures{1, 2, 2, 0, 2}));
  EXPECT_DOUBLE_EQ(find("shadow_x").precision, 1.0);
  EXPECT_EQ(p->rules.front().rule, "geo");  // most fired first

  // The running ruleset's rules that never fired are listed too, with
  // zero counts (missed: all the labelled fraud), after those that did;
  // one that did fire keeps its figures.
  auto listed = reader->performance(
    0, 0, {{"velocity", false}, {"never", false}, {"shadow_never", true}});
  ASSERT_TRUE(listed) << fraud::to_string(listed.error());
  p = std::move(listed);
  ASSERT_EQ(p->rules.size(), 5u);
  EXPECT_EQ(of(find("never")), (figures{0, 0, 0, 0, 4}));
  EXPECT_DOUBLE_EQ(find("never").precision, 0.0);
  EXPECT_EQ(of(find("shadow_never")), (figures{1, 0, 0, 0, 4}));
  EXPECT_EQ(of(find("velocity")), (figures{0, 2, 1, 1, 3}));
  EXPECT_EQ(p->rules[3].fired + p->rules[4].fired, 0u);

  // Since t4: t4 t5 t6 only. Labelled fraud t5 t6.
  auto recent = reader->performance(4000, 0);
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->decisions, 3u);
  EXPECT_EQ(recent->fraud, 2u);
  EXPECT_EQ(recent->legit, 0u);
}

TEST_F(outcomes, a_count_past_its_step_budget_is_limit_exceeded) {
  std::vector<std::string> many;
  for (int i = 0; i < 2000; ++i)
    many.push_back(encoded("t" + std::to_string(i), decline, 1000 + i,
                           {"geo"}));
  write(many);
  auto p = reader->performance(0, 1000);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), ec::limit_exceeded);
}

} // namespace
