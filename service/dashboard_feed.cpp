#include "service/dashboard_feed.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "protocol/codec.hpp"
#include "service/client/clock.hpp"
#include "service/ctl/decision_json.hpp"

namespace fraud::service {

namespace {

using json = nlohmann::json;

// A search's SQLite work at most: the dashboard asks for the newest rows,
// which an index on (action, id) finds at once; this only bounds a store
// that is somehow not indexed.
constexpr std::uint64_t max_steps = 2'000'000;
// The card's decisions shown beside one.
constexpr std::uint32_t card_history = 10;
// A decision's outcome labels shown (one a source; a few sources at most).
constexpr std::uint32_t labels_shown = 20;
// Rule hits in the summary: the most first.
constexpr std::size_t top_rules = 15;

// As JSON text; bytes that are not UTF-8 (input can carry anything)
// become U+FFFD instead of an exception.
std::string to_text(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

double round1(double v) { return static_cast<double>(std::llround(v * 10)) / 10; }

// Each encoded decision as fraudctl --json prints it; undecodable rows
// (none unless the file was tampered with) are skipped.
void append_decisions(const std::vector<std::string>& encoded, json& out) {
  for (auto& bytes : encoded) {
    models::decision d;
    protocol::decision_envelope env;
    if (protocol::decode_decision(bytes.data(), bytes.size(), d, env))
      continue;
    out.push_back(to_json(d, env));
  }
}

} // namespace

dashboard_feed::dashboard_feed(metrics_sources sources,
                               std::function<readiness_report()> readiness,
                               std::string db_path, dashboard_options opts)
  : src_(std::move(sources)),
    readiness_(std::move(readiness)),
    opts_(opts),
    readers_([path = db_path] { return decision_db_reader::open(path); }),
    outcomes_([path = std::move(db_path)] {
      return outcome_db::open(path, false);
    }) {
  tick();  // the baseline the first second is measured from
  if (opts_.own_thread)
    sampler_ = std::make_unique<periodic_thread>("fraud-dashboard",
                                                 opts_.period,
                                                 [this] { tick(); });
}

dashboard_feed::~dashboard_feed() = default;

void dashboard_feed::tick() {
  auto now = std::chrono::steady_clock::now();
  totals t;
  if (src_.stats != nullptr) {
    t.approve = src_.stats->approved.get();
    t.review = src_.stats->reviewed.get();
    t.decline = src_.stats->declined.get();
    t.rejected = src_.stats->rejected();
  }
  auto snap = src_.latency != nullptr ? src_.latency->snapshot()
                                      : latency_histogram::snapshot_type{};
  double wait_ms = src_.queues != nullptr ? src_.queues->status().delay_ms : 0;
  std::lock_guard<std::mutex> guard{mtx_};
  latency_.push_back(snap);
  while (latency_.size() > opts_.latency_window + 1)
    latency_.pop_front();
  if (latency_.size() > 1 || last_at_ != std::chrono::steady_clock::time_point{}) {
    double secs = std::chrono::duration<double>(now - last_at_).count();
    if (secs <= 0)
      secs = 1;
    auto rate = [secs](std::uint64_t now_n, std::uint64_t then) {
      return now_n >= then ? static_cast<double>(now_n - then) / secs : 0.0;
    };
    feed_sample s;
    s.at_ms = wall_ms();
    s.approve = rate(t.approve, last_totals_.approve);
    s.review = rate(t.review, last_totals_.review);
    s.decline = rate(t.decline, last_totals_.decline);
    s.rejected = rate(t.rejected, last_totals_.rejected);
    auto window = snap.since(latency_.front());
    s.p50_us = window.quantile_ns(0.50) / 1000.0;
    s.p90_us = window.quantile_ns(0.90) / 1000.0;
    s.p99_us = window.quantile_ns(0.99) / 1000.0;
    s.wait_ms = wait_ms;
    samples_.push_back(s);
    while (samples_.size() > opts_.keep)
      samples_.pop_front();
  }
  last_totals_ = t;
  last_at_ = now;
}

std::string dashboard_feed::summary_json(std::int64_t since_ms) const {
  json j;
  j["instance"] = src_.instance;
  j["ruleset"] = src_.ruleset_version ? src_.ruleset_version() : "";
  j["uptime_s"] = src_.started_at_ms > 0
                    ? (wall_ms() - src_.started_at_ms) / 1000
                    : 0;
  auto r = readiness_ ? readiness_() : readiness_report{true, "ready"};
  j["ready"] = {{"ok", r.ready}, {"reason", r.reason}};
  if (auto* c = src_.stats) {
    j["totals"] = {{"received", c->received.get()},
                   {"approve", c->approved.get()},
                   {"review", c->reviewed.get()},
                   {"decline", c->declined.get()},
                   {"rejected", c->rejected()},
                   {"duplicates", c->duplicates.get()}};
    j["store_errors"] = c->store_errors.get();
  }
  j["cards_active"] = src_.active_cards ? src_.active_cards() : 0;
  j["store_backlog"] = src_.store_queue != nullptr
                         ? src_.store_queue->unsettled()
                         : 0;
  if (src_.latency != nullptr) {
    auto all = src_.latency->snapshot();
    j["latency_us"] = {{"p50", round1(all.quantile_ns(0.50) / 1000.0)},
                       {"p99", round1(all.quantile_ns(0.99) / 1000.0)},
                       {"max", round1(static_cast<double>(all.max_ns) / 1000.0)}};
  }
  auto hits = json::array();
  if (src_.rule_hits) {
    auto all = src_.rule_hits();  // most first
    for (std::size_t i = 0; i < all.size() && i < top_rules; ++i)
      hits.push_back({{"rule", all[i].first}, {"hits", all[i].second}});
  }
  j["rule_hits"] = std::move(hits);
  if (src_.cluster)
    if (auto c = src_.cluster())
      j["cluster"] = {{"partitions_owned", c->owned.size()},
                      {"instances", c->instances.size()}};
  auto series = json::array();
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& s : samples_) {
      if (s.at_ms <= since_ms)
        continue;
      series.push_back({{"t", s.at_ms},
                        {"approve", round1(s.approve)},
                        {"review", round1(s.review)},
                        {"decline", round1(s.decline)},
                        {"rejected", round1(s.rejected)},
                        {"p50_us", round1(s.p50_us)},
                        {"p90_us", round1(s.p90_us)},
                        {"p99_us", round1(s.p99_us)},
                        {"wait_ms", round1(s.wait_ms)}});
    }
  }
  j["series"] = std::move(series);
  return to_text(j);
}

fraud::expected<std::string> dashboard_feed::latest_json() {
  auto reader = readers_.get();
  if (!reader)
    return reader.error();
  auto rows = json::array();
  for (auto a : {models::action::decline, models::action::review}) {
    decision_filter f;
    f.action = a;
    f.bounds = page_bounds{static_cast<std::uint32_t>(opts_.latest), 0,
                           max_steps};
    auto page = (*reader)->search(f);
    if (!page)
      return page.error();
    append_decisions(page->decisions, rows);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a["decided_at_ms"].get<std::int64_t>()
           > b["decided_at_ms"].get<std::int64_t>();
  });
  if (rows.size() > opts_.latest)
    rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(opts_.latest),
               rows.end());
  return to_text(json{{"decisions", std::move(rows)}});
}

fraud::error dashboard_feed::add_outcomes(const std::string& tx_id, json& j) {
  auto db = outcomes_.get();
  if (!db)
    return db.error();
  auto k = (*db)->case_of(tx_id);
  if (!k)
    return k.error();
  j["case"] = *k ? to_json(**k) : json(nullptr);
  protocol::labels_query q;
  q.tx_id = tx_id;
  q.limit = labels_shown;
  auto labels = (*db)->labels(q, page_bounds{labels_shown, 0, max_steps});
  if (!labels)
    return labels.error();
  auto rows = json::array();
  for (auto& l : labels->labels)
    rows.push_back(to_json(l));
  j["labels"] = std::move(rows);
  return {};
}

fraud::expected<std::string>
dashboard_feed::decision_json(const std::string& tx_id) {
  auto reader = readers_.get();
  if (!reader)
    return reader.error();
  auto bytes = (*reader)->by_tx(tx_id);
  if (!bytes)
    return bytes.error();
  if (bytes->empty())
    return fraud::error::in_field(ec::not_found, "tx_id",
                                  "no decision for transaction '" + tx_id
                                    + "'");
  models::decision d;
  protocol::decision_envelope env;
  if (auto err = protocol::decode_decision(bytes->data(), bytes->size(), d,
                                           env))
    return err;
  json j{{"decision", to_json(d, env)}};
  decision_filter f;
  f.card_id = d.card_id;
  f.bounds = page_bounds{card_history, 0, max_steps};
  auto card = json::array();
  if (auto page = (*reader)->search(f))
    append_decisions(page->decisions, card);
  j["card_decisions"] = std::move(card);
  if (auto err = add_outcomes(tx_id, j))
    return err;
  return to_text(j);
}

} // namespace fraud::service
