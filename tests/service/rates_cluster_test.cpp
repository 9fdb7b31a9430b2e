// The exchange rates of a cluster have one source of truth, the rules'
// bucket (its "rates" log), as the model has: two live_rates, each on its
// own connection to a different server of a real three-server
// nats-server cluster and each with its own SQLite file, share one
// key-value bucket. The first instance seeds the bucket (the built-in
// table, or its --rates file) and the bucket wins over a newcomer's file;
// a set or a rollback through either is used by both under the same
// rates-N; a table with errors changes nothing anywhere; a newcomer uses
// what the cluster uses and answers history.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "actors/runtime/ruleset_slot.hpp"
#include "models/rates.hpp"
#include "service/client/nats_connection.hpp"
#include "service/live_rates.hpp"
#include "tests/support/cluster_suite.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

const char* without_yen = "reference EUR\n"
                          "EUR 2 1\n"
                          "USD 2 1.08\n";
const char* with_pounds = "reference EUR\n"
                          "EUR 2 1\n"
                          "GBP 2 0.85\n";

// One fraudd's rates: a connection to one server, a database, a slot.
struct instance {
  std::unique_ptr<service::nats_connection> conn;
  actors::rates_slot slot{
    std::make_shared<const models::rates>(models::default_rates())};
  std::unique_ptr<service::live_rates> rates;

  ~instance() {
    if (rates)
      rates->leave_cluster();  // before the connection closes
  }

  // What the card actors convert with: its version's name and its text.
  std::string in_use() const { return slot.get()->version(); }
  std::string text() const { return slot.get()->text(); }
  std::set<std::uint64_t> history() {
    std::set<std::uint64_t> out;
    for (auto& v : rates->history({100}).versions)
      out.insert(v.version);
    return out;
  }
};

class rates_cluster : public test::cluster_log_suite {
protected:
  // Instance `db` ("a", "b") through server `server`, with `rates_file`.
  std::unique_ptr<instance> open(const std::string& db, int server,
                                 const std::string& rates_file = {}) {
    auto in = std::make_unique<instance>();
    in->conn = connect_as("scorer", nats->url(server));
    if (!in->conn)
      return nullptr;
    auto rc = log_bucket(in->conn->get());
    auto r = service::live_rates::open(db_file(db), rates_file,
                                       in->slot, {}, &rc);
    EXPECT_TRUE(r) << to_string(r.error());
    if (!r)
      return nullptr;
    in->rates = std::move(*r);
    return in;
  }

  static protocol::rules_change_reply set(instance& in, const std::string& t) {
    return in.rates->set(protocol::rules_set_request{t, "alice", "ecb"},
                         "alice (UTEST)");
  }
};

TEST_F(rates_cluster, a_set_and_a_rollback_through_one_are_used_by_the_other) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  // The first seeded the bucket with the built-in table.
  EXPECT_EQ(a->in_use(), "rates-1");
  EXPECT_EQ(b->in_use(), "rates-1");
  EXPECT_EQ(b->text(), models::default_rates_text());
  auto r = set(*a, without_yen);
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "rates-2");
  EXPECT_EQ(r.version->rules, 2u);
  EXPECT_EQ(a->in_use(), "rates-2");
  EXPECT_TRUE(test::eventually([&] { return b->in_use() == "rates-2"; }, 20s))
    << b->in_use();
  EXPECT_EQ(b->text(), without_yen);
  EXPECT_EQ(b->rates->get({2}).version->signer, "alice (UTEST)");
  // Back to the built-in table, through the other.
  auto back = b->rates->rollback(
    protocol::rules_rollback_request{1, "bob", "yen back"}, "bob (UTEST)");
  ASSERT_FALSE(back.error) << back.error.what();
  EXPECT_EQ(b->in_use(), "rates-1");
  EXPECT_TRUE(test::eventually([&] { return a->in_use() == "rates-1"; }, 20s))
    << a->in_use();
  EXPECT_EQ(a->history(), b->history());
  auto h = a->rates->history({10});
  ASSERT_FALSE(h.activations.empty());
  EXPECT_EQ(h.activations.front().kind, "rollback");
}

TEST_F(rates_cluster, a_table_with_errors_changes_nothing_anywhere) {
  auto a = open("a", 0);
  auto b = open("b", 2);
  ASSERT_TRUE(a && b);
  auto r = set(*a, "reference EUR\nEUR 2 1\nJPY zero 162\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(a->in_use(), "rates-1");
  // Something that did change since shows that b saw nothing before it.
  ASSERT_TRUE(set(*a, with_pounds).version);
  EXPECT_TRUE(test::eventually([&] { return b->in_use() == "rates-2"; }, 20s))
    << b->in_use();
  EXPECT_EQ(b->history(), (std::set<std::uint64_t>{1, 2}));
}

TEST_F(rates_cluster, the_first_instance_seeds_the_bucket_and_it_wins) {
  auto a = open("a", 0, write_file("first.rates", without_yen));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->text(), without_yen);
  // Another --rates file is not used: the bucket's version is.
  auto b = open("b", 1, write_file("second.rates", with_pounds));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->text(), without_yen);
  EXPECT_EQ(b->in_use(), a->in_use());
  // A newcomer with a database of its own uses what the cluster uses, and
  // keeps every version: history and rollbacks answer there too.
  ASSERT_TRUE(set(*a, with_pounds).version);
  b.reset();
  auto c = open("c", 2);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->text(), with_pounds);
  EXPECT_EQ(c->in_use(), a->in_use());
  EXPECT_EQ(c->history(), a->history());
}

} // namespace
