// fraudd's metrics in Prometheus's terms (README: Metrics).
//
// Nothing is counted here: the service already counts what it does, with
// relaxed atomics the scoring path updates lock-free (actors::counters,
// latency_histogram, the queues' sizes, the NATS connections' callbacks).
// service_metrics is a prometheus::Collectable that reads those at scrape
// time and builds the metric families from them, so a scrape costs the
// scoring path nothing and the numbers are the ones fraud.stats shows.
//
// Naming: a fraud_ prefix, base units (seconds), _total on counters.
//
// Thread-safe: Collect() only reads what the sources say is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "actors/counters.hpp"
#include "actors/runtime/pending_snapshots.hpp"
#include "actors/runtime/store_queue.hpp"
#include "service/latency_histogram.hpp"
#include "service/partition_owner.hpp"
#include "service/queue_monitor.hpp"

namespace fraud::service {

/// What one of fraudd's NATS connections has been through.
struct nats_link {
  std::string connection;  // "main", "stream", "state"
  std::uint64_t disconnects = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t slow_consumers = 0;
};

/// Where the metrics come from. Each pointer and function must be
/// thread-safe and outlive the collector; any may be null or empty (its
/// metrics are then left out).
struct metrics_sources {
  const actors::counters* stats = nullptr;
  const latency_histogram* latency = nullptr;
  const actors::store_queue* store_queue = nullptr;
  const actors::pending_snapshots* snapshots = nullptr;
  std::size_t store_bound_bytes = 0;     // --store-queue-mb (0: not shown)
  std::size_t snapshot_bound_bytes = 0;  // --snapshot-queue-mb
  const queue_monitor* queues = nullptr;
  std::function<std::vector<std::pair<std::string, std::uint64_t>>()>
    rule_hits;
  std::function<std::uint64_t()> active_cards;
  std::function<std::uint64_t()> active_entities;  // device, IP, merchant actors
  std::function<std::uint64_t()> nats_dropped;  // by the ingress subscriptions
  std::function<std::vector<nats_link>()> nats_links;
  std::function<std::string()> ruleset_version;
  std::function<bool()> ready;  // as /readyz answers
  std::function<std::optional<cluster_status>()> cluster;  // nullopt: alone
  std::int64_t started_at_ms = 0;  // wall clock
  std::string instance;
};

class service_metrics final : public prometheus::Collectable {
public:
  explicit service_metrics(metrics_sources sources);

  std::vector<prometheus::MetricFamily> Collect() const override;

  /// The upper bounds (seconds) of fraud_service_latency_seconds.
  static const std::vector<double>& latency_bounds();

  /// The service latency histogram in those bounds. An internal bucket
  /// counts under the first bound its whole range fits under (so a
  /// cumulative count never includes a larger value; one up to 1/16 of a
  /// power of two above a bound counts under the next one), and the sum
  /// is estimated from the buckets' middles (within about 3 %: the
  /// histogram keeps counts, not a sum).
  static prometheus::ClientMetric::Histogram
  to_prometheus(const latency_histogram::snapshot_type& s);

private:
  metrics_sources src_;
};

/// Every family of every collectable, in the Prometheus text format
/// (prometheus::TextSerializer).
std::string serialize_metrics(
  const std::vector<const prometheus::Collectable*>& collectables);

} // namespace fraud::service
