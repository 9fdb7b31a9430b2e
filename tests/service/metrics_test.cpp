// fraudd's HTTP listener as Prometheus, a probe and a browser's fetch() see
// it: a real fraudd, a real nats-server, a known replay, then /metrics
// (parsed by promtool), /healthz and /readyz (across a nats-server
// restart), the dashboard's feed, and the JSON log lines.
#include "tests/service/fraudd_fixture.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/support/eventually.hpp"
#include "tests/support/http_scrape.hpp"

namespace {

using namespace fraud;
using namespace std::chrono_literals;
using fraud::test::card_tx;

using test::http_get;
using test::http_reply;

http_reply get(int port, const std::string& path) { return http_get(port, path); }

class fraudd_http : public test::fraudd_service {
protected:
  std::vector<std::string> args() override {
    port = service::free_loopback_port();
    auto a = fraudd_service::args();
    a.insert(a.end(), {"--metrics-port", std::to_string(port), "--log-format",
                       "json"});
    return a;
  }

  std::map<std::string, double> scrape() {
    auto r = get(port, "/metrics");
    EXPECT_EQ(r.status, 200);
    last_scrape = r.body;
    return test::prometheus_samples(r.body);
  }

  // The known replay: 6 approved (5 cards, and a card's first payment in
  // New York), 1 declined (the same card in London 10 minutes later), 1
  // duplicate (a re-send), 1 malformed.
  void replay() {
    for (int i = 0; i < 5; ++i)
      ASSERT_EQ(score(card_tx("card-" + std::to_string(i), 0, "tx-" + std::to_string(i)))
                  .decision.action,
                models::action::approve);
    ASSERT_EQ(score(card_tx("card-t", 0, "tx-ny")).decision.action,
              models::action::approve);
    auto london = score(test::in_country(
      test::located(card_tx("card-t", 10, "tx-london"), test::london), "GB"));
    ASSERT_EQ(london.decision.action, models::action::decline);
    ASSERT_TRUE(score(card_tx("card-0", 0, "tx-0")).env.duplicate);
    auto bad = raw_request("fraud.tx.card-m", "not a protobuf");
    ASSERT_FALSE(bad.empty());
  }

  int port = 0;
  std::string last_scrape;
};

TEST_F(fraudd_http, metrics_count_a_known_replay_and_parse_as_prometheus_text) {
  replay();
  // The store writes behind the replies: wait for it, then every count.
  std::map<std::string, double> m;
  ASSERT_TRUE(test::eventually([&] {
    m = scrape();
    return m["fraud_store_written_total"] == 7;
  }, 10s)) << last_scrape;
  const std::map<std::string, double> expected{
    {"fraud_transactions_received_total", 9},
    {"fraud_decisions_total{action=\"approve\"}", 6},
    {"fraud_decisions_total{action=\"review\"}", 0},
    {"fraud_decisions_total{action=\"decline\"}", 1},
    {"fraud_rejections_total{reason=\"malformed\"}", 1},
    {"fraud_rejections_total{reason=\"invalid_field\"}", 0},
    {"fraud_duplicates_total", 1},
    {"fraud_service_latency_seconds_count", 7},
    {"fraud_service_latency_seconds_bucket{le=\"+Inf\"}", 7},
    {"fraud_cards_active", 6},  // the malformed one has no card
    {"fraud_card_activations_total", 6},
    {"fraud_rule_hits_total{rule=\"impossible_travel\"}", 1},
    {"fraud_store_errors_total", 0},
    {"fraud_store_backlog", 0},
    {"fraud_ready", 1},
    {"fraud_nats_reconnects_total{connection=\"main\"}", 0},
  };
  for (auto& [name, value] : expected) {
    ASSERT_EQ(m.count(name), 1u) << name << " missing";
    EXPECT_EQ(m[name], value) << name;
  }
  EXPECT_GT(m["fraud_service_latency_seconds_sum"], 0);
  EXPECT_EQ(m.count("fraud_partitions_owned"), 0u) << "not a cluster";

  // A real parser's verdict on every line.
  auto file = dir.file("metrics.txt");
  std::ofstream{file} << last_scrape;
  std::string out;
  EXPECT_EQ(test::run_command("promtool check metrics < " + file + " 2>&1", out),
            0)
    << out;
  EXPECT_EQ(out, "") << "promtool's lint findings";
  EXPECT_EQ(get(port, "/metrics").content_type,
            "text/plain; version=0.0.4; charset=utf-8");
  // A request is counted once it is answered: the scrapes above, now.
  EXPECT_GE(scrape()["fraud_http_requests_total{code=\"200\",path=\"/metrics\"}"],
            2);
}

TEST_F(fraudd_http, readiness_flips_when_nats_server_stops_and_comes_back) {
  auto ready = get(port, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  EXPECT_EQ(get(port, "/healthz").status, 200);

  auto nats_port = nats->port();
  nats->stop();
  http_reply r;
  ASSERT_TRUE(test::eventually([&] {
    r = get(port, "/readyz");
    return r.status == 503;
  }, 10s)) << r.status << " " << r.body;
  EXPECT_EQ(r.body, "not connected to NATS: reconnecting\n");
  EXPECT_EQ(get(port, "/healthz").status, 200) << "alive all the same";
  EXPECT_EQ(scrape()["fraud_ready"], 0);

  service::embedded_nats_options o;
  o.binary = test::nats_server_binary();
  o.port = nats_port;
  o.work_dir = dir.path();
  auto again = service::embedded_nats::start(o);
  ASSERT_TRUE(again) << to_string(again.error());
  nats = std::move(*again);
  ASSERT_TRUE(test::eventually([&] {
    r = get(port, "/readyz");
    return r.status == 200;
  }, 20s)) << r.status << " " << r.body;
  auto m = scrape();
  EXPECT_EQ(m["fraud_ready"], 1);
  EXPECT_GE(m["fraud_nats_reconnects_total{connection=\"main\"}"], 1);
  EXPECT_GE(m["fraud_nats_disconnects_total{connection=\"main\"}"], 1);
}

TEST_F(fraudd_http, dashboard_feed_shows_the_latest_declines_and_a_decision) {
  replay();
  nlohmann::json latest;
  ASSERT_TRUE(test::eventually([&] {
    auto r = get(port, "/api/latest");
    if (r.status != 200)
      return false;
    latest = nlohmann::json::parse(r.body);
    return !latest["decisions"].empty();
  }, 10s));
  ASSERT_EQ(latest["decisions"].size(), 1u) << "only the decline";
  auto& d = latest["decisions"][0];
  EXPECT_EQ(d["tx_id"], "tx-london");
  EXPECT_EQ(d["action"], "DECLINE");
  EXPECT_EQ(d["reasons"][0]["rule"], "impossible_travel");
  EXPECT_FALSE(d["reasons"][0]["detail"].get<std::string>().empty());

  auto one = get(port, "/api/decision?tx_id=tx-london");
  ASSERT_EQ(one.status, 200) << one.body;
  auto j = nlohmann::json::parse(one.body);
  EXPECT_EQ(j["decision"]["card_id"], "card-t");
  EXPECT_EQ(j["decision"]["country"], "GB");
  ASSERT_EQ(j["card_decisions"].size(), 2u);
  EXPECT_EQ(j["card_decisions"][0]["tx_id"], "tx-london") << "newest first";

  auto missing = get(port, "/api/decision?tx_id=nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["error"]["code"], "NOT_FOUND");
  EXPECT_EQ(get(port, "/api/decision").status, 400);

  nlohmann::json summary;
  ASSERT_TRUE(test::eventually([&] {
    summary = nlohmann::json::parse(get(port, "/api/summary").body);
    return summary["series"].size() >= 2;  // one a second
  }, 10s));
  EXPECT_EQ(summary["totals"]["decline"], 1);
  EXPECT_EQ(summary["ready"]["ok"], true);
  EXPECT_EQ(summary["rule_hits"][0]["rule"], "impossible_travel");

  auto page = get(port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>fraudd"), std::string::npos);
  auto chart = get(port, "/vendor/chart.umd.js");
  EXPECT_EQ(chart.status, 200);
  EXPECT_NE(chart.body.find("Chart.js"), std::string::npos);
  EXPECT_EQ(get(port, "/dashboard.js").status, 200);
  EXPECT_EQ(get(port, "/nothing-here").status, 404);
  EXPECT_EQ(get(port, "/../../etc/passwd").status, 404);
}

TEST_F(fraudd_http, hostile_requests_get_an_error_never_a_crash) {
  httplib::Client c{"127.0.0.1", port};
  c.set_read_timeout(5);
  auto status = [](const httplib::Result& r) { return r ? r->status : 0; };
  EXPECT_EQ(status(c.Get(("/" + std::string(20'000, 'a')).c_str())), 414);
  EXPECT_EQ(status(c.Get(("/api/decision?tx_id=" + std::string(1'000, 'x')).c_str())),
            400);
  EXPECT_EQ(status(c.Get("/api/decision?tx_id=%00%ff%27%22")), 404);
  EXPECT_EQ(status(c.Post("/metrics", std::string(100'000, 'x'), "text/plain")),
            413);
  EXPECT_EQ(status(c.Post("/readyz", "", "text/plain")), 404);
  EXPECT_EQ(status(c.Delete("/metrics")), 404);
  EXPECT_EQ(status(c.Get("/%2e%2e/%2e%2e/etc/passwd")), 404);
  EXPECT_EQ(status(c.Get("/api/summary?since=soon")), 400);
  EXPECT_EQ(status(c.Get("/api/summary?since=-5")), 400);
  EXPECT_EQ(status(c.Get("/api/summary?since=99999999999999999999999")), 400);
  // ... and it goes on answering.
  EXPECT_EQ(get(port, "/healthz").status, 200);
  EXPECT_EQ(scrape()["fraud_ready"], 1);
}

TEST_F(fraudd_http, logs_one_json_object_a_line_with_level_and_component) {
  replay();
  ASSERT_EQ(fraudd.stop(SIGTERM), 0) << fraudd.output();
  int lines = 0;
  bool started = false, stopped = false, rejected = false;
  std::istringstream in{fraudd.output()};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("fraudd: ", 0) == 0)
      continue;  // stdout: the ready line, for scripts
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    for (auto* key : {"time", "level", "component", "message"})
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << line;
    auto message = j["message"].get<std::string>();
    started = started || (j["component"] == "fraudd" && message.rfind("started", 0) == 0);
    stopped = stopped || (j["component"] == "fraudd" && message.rfind("stopped", 0) == 0);
    // The malformed one, logged off the scoring path (service/loss_log).
    rejected = rejected || (j["component"] == "ingress" && j["level"] == "warning"
                            && message.rfind("1 malformed transactions rejected", 0) == 0);
    ++lines;
  }
  EXPECT_GT(lines, 0);
  EXPECT_TRUE(started) << fraudd.output();
  EXPECT_TRUE(stopped) << fraudd.output();
  EXPECT_TRUE(rejected) << fraudd.output();
}

TEST(fraudd_http_options, a_port_in_use_is_a_clear_error_at_start) {
  test::temp_dir dir;
  auto nats = test::start_nats(dir.path());
  ASSERT_TRUE(nats);
  // nats-server's own port is in use.
  test::fraudd_process fraudd;
  EXPECT_FALSE(fraudd.start({"--nats", nats->url(), "--db", dir.file("f.db"),
                             "--metrics-port", std::to_string(nats->port())},
                            5000));
  EXPECT_NE(fraudd.output().find("cannot listen on 127.0.0.1:"
                                 + std::to_string(nats->port())),
            std::string::npos)
    << fraudd.output();
}

} // namespace
