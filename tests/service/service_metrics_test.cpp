// The mapping of the service's own counters to Prometheus metrics, the
// readiness verdicts, and the dashboard feed's series: no process, no NATS.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "protocol/codec.hpp"
#include "service/dashboard_feed.hpp"
#include "service/decision_db.hpp"
#include "service/outcome_db.hpp"
#include "service/loss_log.hpp"
#include "service/readiness.hpp"
#include "service/service_metrics.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud::service;
using prometheus::MetricFamily;
using prometheus::MetricType;

const MetricFamily* find(const std::vector<MetricFamily>& all,
                         const std::string& name) {
  for (auto& f : all)
    if (f.name == name)
      return &f;
  return nullptr;
}

// The value of the sample of `name` whose label `key` is `value` (or the
// only sample when key is empty); NaN when there is none.
double value(const std::vector<MetricFamily>& all, const std::string& name,
             const std::string& key = "", const std::string& label = "") {
  auto* f = find(all, name);
  if (f == nullptr)
    return std::nan("");
  for (auto& m : f->metric) {
    bool match = key.empty();
    for (auto& l : m.label)
      match = match || (l.name == key && l.value == label);
    if (match)
      return f->type == MetricType::Counter ? m.counter.value : m.gauge.value;
  }
  return std::nan("");
}

struct sources_under_test {
  fraud::actors::counters stats;
  latency_histogram latency;
  fraud::actors::store_queue store{100};
  fraud::actors::store_queue snapshot_queue{100};
  fraud::actors::pending_snapshots snapshots{snapshot_queue, stats};

  metrics_sources sources() {
    metrics_sources s;
    s.stats = &stats;
    s.latency = &latency;
    s.store_queue = &store;
    s.snapshots = &snapshots;
    s.store_bound_bytes = 1 << 20;
    s.rule_hits = [] {
      return std::vector<std::pair<std::string, std::uint64_t>>{
        {"impossible_travel", 7}, {"card_testing", 3}};
    };
    s.active_cards = [] { return std::uint64_t{42}; };
    s.active_entities = [] { return std::uint64_t{7}; };
    s.nats_dropped = [] { return std::uint64_t{5}; };
    s.nats_links = [] {
      return std::vector<nats_link>{{"main", 2, 2, 1}, {"stream", 1, 0, 0}};
    };
    s.ruleset_version = [] { return std::string{"rules-3"}; };
    s.ready = [] { return true; };
    s.started_at_ms = 1'700'000'000'000;
    s.instance = "fraudd-a";
    return s;
  }
};

TEST(service_metrics, exports_the_services_own_counters_by_name_and_label) {
  sources_under_test t;
  t.stats.received.add(20);
  t.stats.approved.add(11);
  t.stats.reviewed.add(2);
  t.stats.declined.add(3);
  t.stats.rejected_malformed.add(1);
  t.stats.rejected_invalid.add(2);
  t.stats.duplicates.add(4);
  t.stats.cards_activated.add(9);
  t.stats.passivations.add(6);
  t.stats.store_errors.add(8);
  t.stats.store_failing.set(2);
  t.stats.snapshots_written.add(12);
  t.stats.snapshots_encoded.add(13);
  t.stats.entities_activated.add(3);
  ASSERT_TRUE(t.store.push("a"));
  ASSERT_TRUE(t.store.push("b"));
  ASSERT_TRUE(t.snapshot_queue.push("c"));
  auto all = service_metrics{t.sources()}.Collect();

  EXPECT_EQ(value(all, "fraud_transactions_received_total"), 20);
  EXPECT_EQ(value(all, "fraud_decisions_total", "action", "approve"), 11);
  EXPECT_EQ(value(all, "fraud_decisions_total", "action", "review"), 2);
  EXPECT_EQ(value(all, "fraud_decisions_total", "action", "decline"), 3);
  EXPECT_EQ(value(all, "fraud_rejections_total", "reason", "malformed"), 1);
  EXPECT_EQ(value(all, "fraud_rejections_total", "reason", "invalid_field"), 2);
  EXPECT_EQ(value(all, "fraud_rejections_total", "reason", "shutting_down"), 0);
  EXPECT_EQ(value(all, "fraud_duplicates_total"), 4);
  EXPECT_EQ(value(all, "fraud_cards_active"), 42);
  EXPECT_EQ(value(all, "fraud_entities_active"), 7);
  EXPECT_EQ(value(all, "fraud_entity_activations_total"), 3);
  EXPECT_EQ(value(all, "fraud_card_activations_total"), 9);
  EXPECT_EQ(value(all, "fraud_card_passivations_total"), 6);
  EXPECT_EQ(value(all, "fraud_store_backlog"), 2);
  EXPECT_EQ(value(all, "fraud_store_errors_total"), 8);
  EXPECT_EQ(value(all, "fraud_store_failing_writes"), 2);
  EXPECT_EQ(value(all, "fraud_snapshot_backlog"), 1);
  EXPECT_EQ(value(all, "fraud_store_backlog_bytes"),
            2 * (sizeof(fraud::actors::store_queue::node) + 1));
  EXPECT_EQ(value(all, "fraud_store_backlog_bound_bytes"), 1 << 20);
  EXPECT_EQ(value(all, "fraud_rejections_total", "reason", "overloaded"), 0);
  EXPECT_EQ(value(all, "fraud_snapshots_written_total"), 12);
  EXPECT_EQ(value(all, "fraud_snapshots_encoded_total"), 13);
  EXPECT_EQ(value(all, "fraud_rule_hits_total", "rule", "impossible_travel"), 7);
  EXPECT_EQ(value(all, "fraud_rule_hits_total", "rule", "card_testing"), 3);
  EXPECT_EQ(value(all, "fraud_nats_dropped_total"), 5);
  EXPECT_EQ(value(all, "fraud_nats_reconnects_total", "connection", "main"), 2);
  EXPECT_EQ(value(all, "fraud_nats_disconnects_total", "connection", "stream"), 1);
  EXPECT_EQ(value(all, "fraud_nats_slow_consumer_events_total", "connection",
                  "main"),
            1);
  EXPECT_EQ(value(all, "fraud_ready"), 1);
  EXPECT_EQ(value(all, "fraud_start_time_seconds"), 1'700'000'000);
  EXPECT_EQ(value(all, "fraud_info", "ruleset", "rules-3"), 1);
  EXPECT_EQ(find(all, "fraud_partitions_owned"), nullptr)
    << "cluster metrics only in a cluster";
}

TEST(service_metrics, follows_prometheus_naming) {
  sources_under_test t;
  auto s = t.sources();
  s.cluster = [] {
    cluster_status c;
    c.owned = {1, 5, 9};
    c.instances = {{"a", 0}, {"b", 100}};
    c.renewals = 30;
    c.renewal_failures = 1;
    return std::optional<cluster_status>{c};
  };
  auto all = service_metrics{s}.Collect();
  EXPECT_EQ(value(all, "fraud_partitions_owned"), 3);
  EXPECT_EQ(value(all, "fraud_cluster_instances"), 2);
  EXPECT_EQ(value(all, "fraud_lease_renewals_total"), 30);
  EXPECT_EQ(value(all, "fraud_lease_renewal_failures_total"), 1);
  std::set<std::string> names;
  for (auto& f : all) {
    EXPECT_EQ(f.name.rfind("fraud_", 0), 0u) << f.name;
    EXPECT_TRUE(names.insert(f.name).second) << f.name << " twice";
    EXPECT_FALSE(f.help.empty()) << f.name;
    bool total = f.name.size() > 6
                 && f.name.compare(f.name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(total, f.type == MetricType::Counter) << f.name;
  }
}

TEST(service_metrics, latency_histogram_in_seconds_never_counts_a_larger_value_under_a_bound) {
  latency_histogram h;
  h.record(900);             // 0.9 us: under 1 us
  h.record(1'000);           // its bucket reaches 1023 ns: under 2.5 us
  h.record(4'000);           // under 5 us
  h.record(2'000'000'000);   // 2 s: under 2.5 s
  h.record(3'600'000'000'000);  // an hour: only +Inf
  auto p = service_metrics::to_prometheus(h.snapshot());
  ASSERT_EQ(p.bucket.size(), service_metrics::latency_bounds().size() + 1);
  auto cumulative = [&](double le) -> std::uint64_t {
    for (auto& b : p.bucket)
      if (b.upper_bound == le)
        return b.cumulative_count;
    ADD_FAILURE() << "no bucket le=" << le;
    return 0;
  };
  EXPECT_EQ(cumulative(1e-6), 1u);
  EXPECT_EQ(cumulative(2.5e-6), 2u);
  EXPECT_EQ(cumulative(5e-6), 3u);
  EXPECT_EQ(cumulative(1), 3u);
  EXPECT_EQ(cumulative(2.5), 4u);
  EXPECT_EQ(cumulative(10), 4u);
  EXPECT_TRUE(std::isinf(p.bucket.back().upper_bound));
  EXPECT_EQ(p.bucket.back().cumulative_count, 5u);
  EXPECT_EQ(p.sample_count, 5u);
  // The sum from the buckets' middles: within a few percent.
  double exact = (900 + 1'000 + 4'000 + 2e9 + 3.6e12) / 1e9;
  EXPECT_NEAR(p.sample_sum, exact, exact * 0.04);
  for (std::size_t i = 1; i < p.bucket.size(); ++i)
    EXPECT_GE(p.bucket[i].cumulative_count, p.bucket[i - 1].cumulative_count);
}

TEST(service_metrics, serializes_as_prometheus_text) {
  sources_under_test t;
  t.stats.approved.add(3);
  t.latency.record(5'000);
  service_metrics m{t.sources()};
  auto text = serialize_metrics({&m});
  EXPECT_NE(text.find("# TYPE fraud_decisions_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("fraud_decisions_total{action=\"approve\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE fraud_service_latency_seconds histogram\n"),
            std::string::npos);
  EXPECT_NE(text.find("fraud_service_latency_seconds_bucket{le=\"+Inf\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("fraud_service_latency_seconds_count 1\n"),
            std::string::npos);
}

TEST(readiness, says_why_not_in_order) {
  readiness_facts f;
  EXPECT_EQ(assess(f).reason, "starting");
  f.started = true;
  f.nats_connected = true;
  f.subscribed = true;
  EXPECT_TRUE(assess(f).ready);
  EXPECT_EQ(assess(f).reason, "ready");
  f.store_failing = 3;
  EXPECT_FALSE(assess(f).ready);
  EXPECT_NE(assess(f).reason.find("decision store not writable: 3 writes"),
            std::string::npos);
  f.subscribed = false;
  EXPECT_NE(assess(f).reason.find("not subscribed"), std::string::npos);
  f.nats_connected = false;
  EXPECT_NE(assess(f).reason.find("not connected to NATS"), std::string::npos);
  f.draining = true;
  EXPECT_NE(assess(f).reason.find("draining"), std::string::npos);
}

TEST(dashboard_feed, keeps_a_series_of_rates_and_latency) {
  sources_under_test t;
  dashboard_options o;
  o.own_thread = false;
  o.keep = 3;
  auto ready = [] { return readiness_report{false, "draining: test"}; };
  dashboard_feed feed{t.sources(), ready, "/nonexistent/fraud.db", o};
  t.stats.approved.add(50);
  t.stats.declined.add(5);
  t.latency.record(7'000);
  feed.tick();
  auto j = nlohmann::json::parse(feed.summary_json());
  ASSERT_EQ(j["series"].size(), 1u);
  auto& s = j["series"][0];
  EXPECT_GT(s["approve"].get<double>(), 0);
  EXPECT_GT(s["decline"].get<double>(), 0);
  EXPECT_EQ(s["review"].get<double>(), 0);
  EXPECT_NEAR(s["p50_us"].get<double>(), 7, 0.5);
  EXPECT_EQ(j["totals"]["approve"], 50);
  EXPECT_EQ(j["ready"]["ok"], false);
  EXPECT_EQ(j["ready"]["reason"], "draining: test");
  EXPECT_EQ(j["rule_hits"][0]["rule"], "impossible_travel");
  EXPECT_EQ(j["cards_active"], 42);
  // A second without traffic: no latency, zero rates; only `keep` kept.
  for (int i = 0; i < 4; ++i)
    feed.tick();
  j = nlohmann::json::parse(feed.summary_json());
  ASSERT_EQ(j["series"].size(), 3u);
  EXPECT_EQ(j["series"][2]["approve"].get<double>(), 0);
  // A page that has the series asks only for what is newer.
  auto last = j["series"][2]["t"].get<std::int64_t>();
  EXPECT_EQ(nlohmann::json::parse(feed.summary_json(last))["series"].size(), 0u);
  EXPECT_EQ(nlohmann::json::parse(
              feed.summary_json(j["series"][1]["t"].get<std::int64_t>()))["series"]
              .size(),
            last > j["series"][1]["t"].get<std::int64_t>() ? 1u : 0u);
  // The store cannot be opened: an error, not a crash.
  EXPECT_FALSE(feed.latest_json());
  EXPECT_FALSE(feed.decision_json("tx-1"));
}

} // namespace

namespace {

// What a click on a decision shows: its case and its outcome labels, from
// a real decision file (issue 17: "opens the decision and its case").
TEST(dashboard_feed, shows_a_decisions_case_and_its_labels) {
  fraud::test::temp_dir dir;
  auto path = dir.file("fraud.db");
  auto store = decision_db::open(path);
  ASSERT_TRUE(store) << fraud::to_string(store.error());
  std::vector<std::string> rows;
  for (auto [tx, a] : {std::pair{"t-review", fraud::models::action::review},
                       std::pair{"t-decline", fraud::models::action::decline}}) {
    fraud::models::decision d;
    d.tx_id = tx;
    d.card_id = "card-1";
    d.action = a;
    d.score = 70;
    d.reasons.push_back(fraud::models::reason{"velocity", "because", 1, 2, 70});
    d.ruleset_version = "rules-1";
    d.currency = "EUR";
    fraud::protocol::decision_envelope env;
    env.decided_at_ms = 1'000;
    fraud::protocol::encode_decision(d, env, rows.emplace_back());
  }
  std::vector<std::string_view> views(rows.begin(), rows.end());
  ASSERT_TRUE((*store)->write(views));

  sources_under_test t;
  dashboard_options o;
  o.own_thread = false;
  dashboard_feed feed{t.sources(), [] { return readiness_report{true, ""}; },
                      path, o};
  auto open = feed.decision_json("t-review");
  ASSERT_TRUE(open) << fraud::to_string(open.error());
  auto j = nlohmann::json::parse(*open);
  EXPECT_EQ(j["case"]["state"], "open");
  EXPECT_EQ(j["case"]["rules"][0], "velocity");
  EXPECT_TRUE(j["labels"].empty());
  auto decline = nlohmann::json::parse(*feed.decision_json("t-decline"));
  EXPECT_TRUE(decline["case"].is_null()) << "only a REVIEW opens a case";

  // The analyst resolves it; a chargeback arrives for the decline.
  auto writer = outcome_db::open(path, true);
  ASSERT_TRUE(writer);
  labels_stored counts;
  ASSERT_TRUE((*writer)->resolve(
    {"t-review", fraud::protocol::outcome::fraud, "holder confirmed"},
    "alice (UALICE)", 5'000, counts));
  ASSERT_TRUE((*writer)->add_labels(
    {{"t-decline", fraud::protocol::outcome::fraud, "chargeback", 6'000, ""}},
    "feed (UFEED)", 6'000));
  j = nlohmann::json::parse(*feed.decision_json("t-review"));
  EXPECT_EQ(j["case"]["state"], "fraud");
  EXPECT_EQ(j["case"]["resolved_by"], "alice (UALICE)");
  EXPECT_EQ(j["case"]["note"], "holder confirmed");
  ASSERT_EQ(j["labels"].size(), 1u);
  EXPECT_EQ(j["labels"][0]["source"], "case");
  EXPECT_EQ(j["labels"][0]["outcome"], "fraud");
  decline = nlohmann::json::parse(*feed.decision_json("t-decline"));
  ASSERT_EQ(decline["labels"].size(), 1u);
  EXPECT_EQ(decline["labels"][0]["source"], "chargeback");
  EXPECT_EQ(decline["labels"][0]["signer"], "feed (UFEED)");
}

TEST(loss_log, logs_a_line_for_each_kind_of_loss_that_grew) {
  fraud::actors::counters stats;
  stats.rejected_malformed.add(3);  // before: not news
  fraud::service::loss_log log{stats, std::chrono::seconds(10), false};
  EXPECT_EQ(log.tick(), 0);
  stats.rejected_malformed.add(40);
  stats.snapshot_dropped.add(2);
  stats.approved.add(100);  // not a loss
  EXPECT_EQ(log.tick(), 2);
  EXPECT_EQ(log.tick(), 0) << "each growth once";
}

} // namespace
