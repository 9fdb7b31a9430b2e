// The rules and lists of a cluster have one source of truth (issue 14):
// two live_rules, each on its own connection to a different server of a
// real three-server nats-server cluster and each with its own SQLite file,
// share one key-value bucket. A change through either runs on both under
// the same rules-N; concurrent changes are both kept and one runs
// everywhere; a restart runs the bucket's version whatever --rules says;
// history answers on both.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "actors/runtime/ruleset_slot.hpp"
#include "models/ruleset.hpp"
#include "service/client/nats_connection.hpp"
#include "service/live_rules.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"
#include "tests/support/cluster_suite.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

// A rule text of its own for each n.
std::string text(int n) {
  return "rule big" + std::to_string(n) + ": decline when amount > "
         + std::to_string(1000 + n) + "\n";
}

// One fraudd's rules: a connection to one server, a database, a slot.
struct instance {
  std::unique_ptr<service::nats_connection> conn;
  actors::ruleset_slot slot{models::make_default_ruleset()};
  std::unique_ptr<service::live_rules> rules;

  ~instance() {
    if (rules)
      rules->leave_cluster();  // before the connection closes
  }

  std::string running_name() const { return slot.get()->version(); }
  std::string running_text() { return rules->get({}).text; }
  std::set<std::uint64_t> history() {
    std::set<std::uint64_t> out;
    for (auto& v : rules->history({100}).versions)
      out.insert(v.version);
    return out;
  }
  std::set<std::string> list(const std::string& name) {
    std::set<std::string> out;
    auto r = rules->lists({name, 1000, ""}, 1 << 20);
    for (auto& l : r.lists)
      for (auto& e : l.entries)
        out.insert(e.value);
    return out;
  }
};

class rules_cluster : public test::cluster_log_suite {
protected:

  // Instance `db` ("a", "b") through server `server`, with `rules_file`.
  std::unique_ptr<instance> open(const std::string& db, int server,
                                 const std::string& rules_file = {}) {
    auto in = std::make_unique<instance>();
    in->conn = connect_as("scorer", nats->url(server));
    if (!in->conn)
      return nullptr;
    auto rc = log_bucket(in->conn->get());
    auto r = service::live_rules::open(db_file(db), rules_file,
                                       in->slot, 1000, {}, &rc);
    EXPECT_TRUE(r) << to_string(r.error());
    if (!r)
      return nullptr;
    in->rules = std::move(*r);
    return in;
  }

  static protocol::rules_change_reply set(instance& in, const std::string& t,
                                          const std::string& request = {}) {
    return in.rules->set(protocol::rules_set_request{t, "alice", "test"},
                         "alice (UTEST)", request);
  }
};


TEST_F(rules_cluster, a_set_through_one_instance_runs_on_the_other) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->running_name(), b->running_name());
  auto r = set(*a, text(1));
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.errors.empty());
  ASSERT_TRUE(r.version);
  EXPECT_TRUE(r.version->running);
  EXPECT_EQ(a->running_name(), r.version->name);
  EXPECT_TRUE(test::eventually(
    [&] { return b->running_name() == r.version->name; }, 20s))
    << b->running_name();
  EXPECT_EQ(b->running_text(), text(1));
  EXPECT_EQ(b->rules->running(), r.version->version);
  // History answers on both, with the same numbers.
  EXPECT_EQ(a->history(), b->history());
  EXPECT_EQ(a->history().count(r.version->version), 1u);
  auto on_b = b->rules->get({r.version->version});
  EXPECT_EQ(on_b.version->signer, "alice (UTEST)");
}

TEST_F(rules_cluster, concurrent_sets_are_both_kept_and_one_runs_everywhere) {
  auto a = open("a", 0);
  auto b = open("b", 2);
  ASSERT_TRUE(a && b);
  for (int round = 0; round < 3; ++round) {
    protocol::rules_change_reply ra, rb;
    std::thread ta{[&] { ra = set(*a, text(10 + 2 * round)); }};
    std::thread tb{[&] { rb = set(*b, text(11 + 2 * round)); }};
    ta.join();
    tb.join();
    ASSERT_FALSE(ra.error) << ra.error.what();
    ASSERT_FALSE(rb.error) << rb.error.what();
    ASSERT_TRUE(ra.version && rb.version);
    // Neither lost: two numbers, both in both histories.
    EXPECT_NE(ra.version->version, rb.version->version);
    auto last = std::max(ra.version->version, rb.version->version);
    EXPECT_TRUE(test::eventually(
      [&] {
        return a->rules->running() == last && b->rules->running() == last;
      },
      20s))
      << a->rules->running() << " " << b->rules->running();
    EXPECT_EQ(a->running_text(), b->running_text());
    for (auto* in : {a.get(), b.get()}) {
      auto h = in->history();
      EXPECT_EQ(h.count(ra.version->version), 1u);
      EXPECT_EQ(h.count(rb.version->version), 1u);
    }
  }
  EXPECT_EQ(a->history(), b->history());
}

TEST_F(rules_cluster, the_same_request_through_two_instances_is_made_once) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  auto before = a->history().size();
  protocol::rules_change_reply ra, rb;
  std::thread ta{[&] { ra = set(*a, text(20), "0123456789abcdef"); }};
  std::thread tb{[&] { rb = set(*b, text(20), "0123456789abcdef"); }};
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.version && rb.version)
    << ra.error.what() << " / " << rb.error.what();
  EXPECT_EQ(ra.version->version, rb.version->version);
  EXPECT_EQ(a->history().size(), before + 1);
}

TEST_F(rules_cluster, the_first_instance_seeds_the_bucket_and_it_wins) {
  auto a = open("a", 0, write_file("first.rules", text(30)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->running_text(), text(30));
  // Another --rules file does not run: the bucket's version does.
  auto b = open("b", 1, write_file("second.rules", text(31)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->running_text(), text(30));
  EXPECT_EQ(b->running_name(), a->running_name());
}

TEST_F(rules_cluster, two_instances_seeding_at_once_run_the_same_version) {
  std::unique_ptr<instance> a, b;
  auto fa = write_file("a.rules", text(35));
  auto fb = write_file("b.rules", text(36));
  // The bucket exists (its creation by two at once is kv_bucket's race,
  // not this one): both find it empty, and both seed.
  auto conn = connect_as("scorer", nats->url(2));
  ASSERT_TRUE(conn);
  service::kv_bucket_options o;
  o.name = bucket;
  o.replicas = 3;
  ASSERT_TRUE(service::kv_bucket::open(conn->get(), o));
  std::thread ta{[&] { a = open("a", 0, fa); }};
  std::thread tb{[&] { b = open("b", 1, fb); }};
  ta.join();
  tb.join();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->running_name(), b->running_name());
  EXPECT_EQ(a->running_text(), b->running_text());
}

TEST_F(rules_cluster, a_restart_runs_the_buckets_version_whatever_rules_says) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  auto r = set(*a, text(40));
  ASSERT_TRUE(r.version) << r.error.what();
  ASSERT_TRUE(test::eventually(
    [&] { return b->rules->running() == r.version->version; }, 20s));
  b.reset();
  b = open("b", 2, write_file("other.rules", text(41)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rules->running(), r.version->version);
  EXPECT_EQ(b->running_text(), text(40));
  EXPECT_EQ(a->rules->running(), r.version->version);  // nothing undone
}

TEST_F(rules_cluster, a_restart_never_undoes_a_change_made_while_it_was_down) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  auto first = set(*a, text(50));
  ASSERT_TRUE(first.version) << first.error.what();
  ASSERT_TRUE(test::eventually(
    [&] { return b->rules->running() == first.version->version; }, 20s));
  a.reset();
  auto second = set(*b, text(51));
  ASSERT_TRUE(second.version) << second.error.what();
  auto rolled = b->rules->rollback(
    protocol::rules_rollback_request{first.version->version, "bob", "undo"},
    "bob (UTEST)");
  ASSERT_FALSE(rolled.error) << rolled.error.what();
  auto third = set(*b, text(52));
  ASSERT_TRUE(third.version) << third.error.what();
  // A's database last ran `first`: it comes back on `third`, and its
  // history has what it missed.
  a = open("a", 2);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->rules->running(), third.version->version);
  EXPECT_EQ(a->running_text(), text(52));
  EXPECT_EQ(a->history().count(second.version->version), 1u);
  EXPECT_EQ(a->rules->get({second.version->version}).text, text(51));
}

TEST_F(rules_cluster, a_rollback_through_one_instance_runs_on_the_other) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  auto first = set(*a, text(60));
  auto second = set(*a, text(61));
  ASSERT_TRUE(first.version && second.version);
  auto r = b->rules->rollback(
    protocol::rules_rollback_request{first.version->version, "bob", "undo"},
    "bob (UTEST)");
  ASSERT_FALSE(r.error) << r.error.what();
  EXPECT_EQ(b->rules->running(), first.version->version);
  EXPECT_TRUE(test::eventually(
    [&] { return a->rules->running() == first.version->version; }, 20s));
  auto h = a->rules->history({10});
  ASSERT_FALSE(h.activations.empty());
  EXPECT_EQ(h.activations.front().kind, "rollback");
  EXPECT_EQ(h.activations.front().version, first.version->version);
}

// A number the cluster never gave out is refused, naming it, by every
// instance (one that has not seen the latest numbers waits for them first:
// a rollback just after a set through another instance finds its version).
TEST_F(rules_cluster, a_rollback_to_a_version_never_made_is_refused) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  auto made = set(*a, text(62));
  ASSERT_TRUE(made.version);
  auto r = b->rules->rollback(
    protocol::rules_rollback_request{made.version->version + 100, "bob",
                                     "typo"},
    "bob (UTEST)");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error.code(), ec::not_found);
  EXPECT_NE(r.error.what().find(std::to_string(made.version->version + 100)),
            std::string::npos)
    << r.error.what();
  EXPECT_TRUE(test::eventually(
    [&] { return b->rules->running() == made.version->version; }, 20s));
}

TEST_F(rules_cluster, list_changes_reach_the_other_instance) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  auto added = a->rules->change_list(
    protocol::list_change{"blocked_cards", {"card-1", "card-2"}, "carol",
                          "ring"},
    true, "carol (UTEST)");
  ASSERT_FALSE(added.error) << added.error.what();
  EXPECT_EQ(added.changed, 2u);
  EXPECT_EQ(added.size, 2u);
  EXPECT_TRUE(test::eventually(
    [&] {
      return b->list("blocked_cards")
             == std::set<std::string>{"card-1", "card-2"};
    },
    20s));
  // Concurrent changes through both: both win, and both agree.
  protocol::list_change_reply ra, rb;
  std::thread ta{[&] {
    ra = a->rules->change_list(
      protocol::list_change{"blocked_cards", {"card-3"}, "carol", "ring"},
      true, "carol (UTEST)");
  }};
  std::thread tb{[&] {
    rb = b->rules->change_list(
      protocol::list_change{"blocked_cards", {"card-1"}, "dave", "ok"}, false,
      "dave (UTEST)");
  }};
  ta.join();
  tb.join();
  ASSERT_FALSE(ra.error) << ra.error.what();
  ASSERT_FALSE(rb.error) << rb.error.what();
  std::set<std::string> expected{"card-2", "card-3"};
  EXPECT_TRUE(test::eventually(
    [&] {
      return a->list("blocked_cards") == expected
             && b->list("blocked_cards") == expected;
    },
    20s));
  // Who added a value is kept on the other instance too.
  auto page = b->rules->lists({"blocked_cards", 10, ""}, 1 << 20);
  ASSERT_EQ(page.lists.size(), 1u);
  EXPECT_EQ(page.lists[0].entries.at(0).signer, "carol (UTEST)");
  // A restart keeps them, and a new instance gets them.
  b.reset();
  auto c = open("c", 2);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->list("blocked_cards"), expected);
}

TEST_F(rules_cluster, a_large_list_change_is_cut_into_parts_and_applied_whole) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  std::vector<std::string> values;
  for (int i = 0; i < 20'000; ++i)  // about 600 KB: more than one entry
    values.push_back("card-" + std::string(20, 'x') + std::to_string(i));
  auto r = a->rules->change_list(
    protocol::list_change{"many", values, "carol", "bulk"}, true,
    "carol (UTEST)");
  ASSERT_FALSE(r.error) << r.error.what();
  EXPECT_EQ(r.changed, values.size());
  EXPECT_TRUE(test::eventually(
    [&] {
      auto l = b->rules->lists({}, 1 << 20);
      for (auto& n : l.lists)
        if (n.name == "many")
          return n.size == values.size();
      return false;
    },
    30s));
}

// The rule every instance folds the rules log with, alone: it is what
// makes concurrent changes safe on nats-server 2.9.10, whose own
// compare-and-set is not (service/rules_bucket.hpp).
TEST(rules_fold, a_change_on_a_replaced_state_is_refused_everywhere) {
  service::bucket_rules state;
  service::bucket_rules_change seed{"s", 0, "start", {1, text(1), 1, {}}, {},
                                    0};
  EXPECT_EQ(service::fold(state, seed).version, 1u);
  service::bucket_rules_change a{"a", 1, "set", {0, text(2), 1, {}}, {}, 0};
  service::bucket_rules_change b{"b", 1, "set", {0, text(3), 1, {}}, {}, 0};
  EXPECT_EQ(service::fold(state, a).version, 2u);
  EXPECT_EQ(service::fold(state, b).version, 0u);  // made on rules-1: refused
  EXPECT_EQ(state.running.text, text(2));
  b.base = 2;
  EXPECT_EQ(service::fold(state, b).version, 3u);  // tried again on top
  // The same request again (through another instance) is not made twice.
  auto again = service::fold(state, a);
  EXPECT_EQ(again.version, 2u);
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(state.running.version, 3u);
  // A rollback keeps its number; the next set is numbered after the last.
  service::bucket_rules_change back{"r", 3, "rollback", {1, text(1), 1, {}},
                                    {}, 0};
  EXPECT_EQ(service::fold(state, back).version, 1u);
  service::bucket_rules_change c{"c", 3, "set", {0, text(4), 1, {}}, {}, 0};
  EXPECT_EQ(service::fold(state, c).version, 4u);
}

TEST(rules_fold, a_big_list_change_is_cut_into_parts_that_fit) {
  service::bucket_list_change whole;
  whole.id = "x";
  for (int i = 0; i < 50'000; ++i)
    whole.values.push_back(std::string(100, 'v') + std::to_string(i));
  auto parts = service::split(whole);
  ASSERT_GT(parts.size(), 1u);
  std::size_t values = 0;
  for (auto& p : parts) {
    EXPECT_EQ(p.parts, parts.size());
    std::size_t bytes = 0;
    for (auto& v : p.values)
      bytes += v.size() + 3;
    EXPECT_LT(bytes, service::max_entry_bytes);
    values += p.values.size();
  }
  EXPECT_EQ(values, whole.values.size());
}

} // namespace
