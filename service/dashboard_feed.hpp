// What the dashboard page shows, as JSON for its fetch() calls
// (README: Dashboard).
//
// A sampler thread reads the service's counters and latency histogram once
// a second (the same lock-free sources as the metrics) and keeps the last
// five minutes: decisions per second by action, rejections, the service
// latency percentiles of the last few seconds, and the estimated wait
// before fraudd reads a transaction. The latest declines and reviews and a
// decision's detail (with its case and labels) come from the decision store
// through read-only SQLite connections of the feed's own (one per HTTP
// thread), as fraud.query.* reads it: nothing here touches the scoring path.
//
// Thread-safe: every method may be called from any HTTP thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "service/decision_db_reader.hpp"
#include "service/outcome_db.hpp"
#include "service/per_thread.hpp"
#include "service/periodic_thread.hpp"
#include "service/readiness.hpp"
#include "service/service_metrics.hpp"

namespace fraud::service {

/// One second of the dashboard's charts.
struct feed_sample {
  std::int64_t at_ms = 0;  // wall clock
  double approve = 0, review = 0, decline = 0, rejected = 0;  // per second
  double p50_us = 0, p90_us = 0, p99_us = 0;  // over latency_window
  double wait_ms = 0;                         // queue_monitor's estimate
};

struct dashboard_options {
  std::chrono::milliseconds period{1000};
  std::size_t keep = 300;          // samples: five minutes at the period
  std::size_t latency_window = 5;  // samples the percentiles are over
  std::size_t latest = 25;         // declines and reviews in latest_json
  bool own_thread = true;          // false: only tick() samples (tests)
};

class dashboard_feed {
public:
  /// `sources` as for the metrics (service_metrics.hpp); `readiness` as
  /// /readyz answers; `db_path` the decisions file to read.
  dashboard_feed(metrics_sources sources,
                 std::function<readiness_report()> readiness,
                 std::string db_path, dashboard_options opts = {});
  ~dashboard_feed();

  /// Totals, the charts' series, rule hits, readiness: GET /api/summary.
  /// The series holds only samples after since_ms (wall clock), so a page
  /// that has the rest asks for what is new.
  std::string summary_json(std::int64_t since_ms = 0) const;

  /// The newest declines and reviews with their reasons, newest first:
  /// GET /api/latest. Each row as fraudctl --json prints a decision.
  fraud::expected<std::string> latest_json();

  /// One decision with its reasons, its case (a REVIEW's: open, or
  /// resolved by whom and how; null for other actions), the outcome
  /// labels learnt for it, and its card's latest decisions:
  /// GET /api/decision?tx_id=. NOT_FOUND when the store has none.
  fraud::expected<std::string> decision_json(const std::string& tx_id);

  /// Takes one sample now (the thread does so every period).
  void tick();

private:
  // The case and labels of tx_id into j ("case", "labels").
  fraud::error add_outcomes(const std::string& tx_id, nlohmann::json& j);

  const metrics_sources src_;
  const std::function<readiness_report()> readiness_;
  const dashboard_options opts_;
  per_thread<decision_db_reader> readers_;
  per_thread<outcome_db> outcomes_;  // cases and labels, read-only

  mutable std::mutex mtx_;  // guards everything below
  struct totals {
    std::uint64_t approve = 0, review = 0, decline = 0, rejected = 0;
  } last_totals_;
  std::chrono::steady_clock::time_point last_at_{};
  std::deque<latency_histogram::snapshot_type> latency_;  // latency_window+1
  std::deque<feed_sample> samples_;
  std::unique_ptr<periodic_thread> sampler_;  // last: stopped first
};

} // namespace fraud::service
