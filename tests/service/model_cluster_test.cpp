// The trained model of a cluster has one source of truth, the rules'
// bucket (its "model" log): two live_model, each on its own connection to
// a different server of a real three-server nats-server cluster and each
// with its own SQLite file, share one key-value bucket. A set through
// either runs on both under the same model-N, texts larger than one
// bucket value included; a rollback too; the same request through both is
// made once; a model that does not load changes nothing anywhere; the
// first instance seeds the bucket and the bucket wins over --model; a
// newcomer runs what the cluster runs and answers history.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "actors/runtime/ruleset_slot.hpp"
#include "models/ruleset.hpp"
#include "service/client/nats_connection.hpp"
#include "service/live_model.hpp"
#include "service/live_rules.hpp"
#include "tests/models/constant_model.hpp"
#include "tests/support/cluster_suite.hpp"
#include "tests/support/eventually.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;

// A model of `trees` one-leaf trees, each adding `leaf`: a text of its own
// for each (trees, leaf), about 300 bytes a tree.
std::string model_text(int trees, float leaf) {
  return models::test::constant_model(leaf, trees);
}

// One fraudd's model: a connection to one server, a database, a slot.
struct instance {
  std::unique_ptr<service::nats_connection> conn;
  actors::ruleset_slot slot{models::make_default_ruleset()};
  std::unique_ptr<service::live_model> model;

  ~instance() {
    if (model)
      model->leave_cluster();  // before the connection closes
  }

  // What the card actors run: the model's name in their decisions.
  std::string running_name() const { return slot.get()->model_version(); }
  std::string running_text() { return model->get({}).text; }
  std::set<std::uint64_t> history() {
    std::set<std::uint64_t> out;
    for (auto& v : model->history({100}).versions)
      out.insert(v.version);
    return out;
  }
};

class model_cluster : public test::cluster_log_suite {
protected:
  // Instance `db` ("a", "b") through server `server`, with `model_file`.
  std::unique_ptr<instance> open(const std::string& db, int server,
                                 const std::string& model_file = {}) {
    auto in = std::make_unique<instance>();
    in->conn = connect_as("scorer", nats->url(server));
    if (!in->conn)
      return nullptr;
    auto rc = log_bucket(in->conn->get());
    auto r = service::live_model::open(db_file(db), model_file,
                                       in->slot, {}, &rc);
    EXPECT_TRUE(r) << to_string(r.error());
    if (!r)
      return nullptr;
    in->model = std::move(*r);
    return in;
  }

  static protocol::rules_change_reply set(instance& in, const std::string& t,
                                          const std::string& request = {}) {
    return in.model->set(protocol::rules_set_request{t, "alice", "test"},
                         "alice (UTEST)", request);
  }
};

TEST_F(model_cluster, a_set_through_one_instance_runs_on_the_other) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->running_name(), "") << "an empty bucket: no model";
  EXPECT_EQ(b->running_name(), "");
  auto r = set(*a, model_text(1, 2.0f));
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "model-1");
  EXPECT_EQ(a->running_name(), "model-1");
  EXPECT_TRUE(test::eventually(
    [&] { return b->running_name() == "model-1"; }, 20s))
    << b->running_name();
  EXPECT_EQ(b->running_text(), model_text(1, 2.0f));
  EXPECT_EQ(a->history(), b->history());
  EXPECT_EQ(b->model->get({1}).version->signer, "alice (UTEST)");
}

TEST_F(model_cluster, a_model_larger_than_a_bucket_value_and_a_rollback) {
  auto a = open("a", 0);
  auto b = open("b", 2);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(set(*a, model_text(1, 1.0f)).version);
  auto big = model_text(2000, 0.001f);
  ASSERT_GT(big.size(), 2 * service::max_entry_bytes) << "in parts";
  auto r = set(*b, big);
  ASSERT_FALSE(r.error) << r.error.what();
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "model-2");
  EXPECT_EQ(r.version->rules, 2000u);
  EXPECT_TRUE(test::eventually(
    [&] { return a->running_name() == "model-2"; }, 20s));
  EXPECT_EQ(a->running_text(), big);
  auto back = a->model->rollback(
    protocol::rules_rollback_request{1, "alice", "too slow"}, "alice (UTEST)");
  ASSERT_FALSE(back.error) << back.error.what();
  ASSERT_TRUE(back.version);
  EXPECT_EQ(back.version->name, "model-1");
  EXPECT_TRUE(test::eventually(
    [&] { return b->running_name() == "model-1"; }, 20s));
  EXPECT_EQ(b->model->history({10}).activations.front().kind, "rollback");
}

TEST_F(model_cluster, the_same_request_through_two_instances_is_made_once) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  protocol::rules_change_reply ra, rb;
  auto text = model_text(3, 0.5f);
  std::thread ta{[&] { ra = set(*a, text, "0123456789abcdef"); }};
  std::thread tb{[&] { rb = set(*b, text, "0123456789abcdef"); }};
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.version && rb.version)
    << ra.error.what() << " / " << rb.error.what();
  EXPECT_EQ(ra.version->version, rb.version->version);
  EXPECT_EQ(a->history().size(), 1u);
  EXPECT_TRUE(test::eventually([&] { return b->history().size() == 1; }, 20s));
}

TEST_F(model_cluster, a_model_that_does_not_load_changes_nothing_anywhere) {
  auto a = open("a", 0);
  auto b = open("b", 1);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(set(*a, model_text(1, 1.0f)).version);
  auto r = set(*a, "{ not a model");
  EXPECT_EQ(r.errors.size(), 1u);
  ASSERT_TRUE(r.version);
  EXPECT_EQ(r.version->name, "model-1");
  EXPECT_TRUE(test::eventually(
    [&] { return b->running_name() == "model-1"; }, 20s));
  EXPECT_EQ(b->history().size(), 1u);
}

TEST_F(model_cluster, the_first_instance_seeds_the_bucket_and_it_wins) {
  auto a = open("a", 0, write_file("first.json", model_text(1, 3.0f)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->running_name(), "model-1");
  EXPECT_EQ(a->running_text(), model_text(1, 3.0f));
  // Another --model file does not run: the bucket's version does.
  auto b = open("b", 1, write_file("second.json", model_text(1, -3.0f)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->running_text(), model_text(1, 3.0f));
  EXPECT_EQ(b->running_name(), "model-1");
  // A newcomer with a database of its own comes back to what runs, and
  // keeps every version: history and rollbacks answer there too.
  ASSERT_TRUE(set(*a, model_text(2, 3.0f)).version);
  b.reset();
  auto c = open("c", 2);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->running_name(), "model-2");
  EXPECT_EQ(c->history(), a->history());
}

} // namespace
