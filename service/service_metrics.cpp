#include "service/service_metrics.hpp"

#include <chrono>
#include <initializer_list>
#include <limits>

#include <prometheus/text_serializer.h>

namespace fraud::service {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using labels = std::vector<ClientMetric::Label>;

// Builds the families in the order they are added.
class families {
public:
  MetricFamily& add(const char* name, const char* help, MetricType type) {
    out_.push_back(MetricFamily{name, help, type, {}});
    return out_.back();
  }

  void counter(const char* name, const char* help, double value,
               labels l = {}) {
    sample(add(name, help, MetricType::Counter), value, std::move(l));
  }

  void gauge(const char* name, const char* help, double value,
             labels l = {}) {
    sample(add(name, help, MetricType::Gauge), value, std::move(l));
  }

  // One more sample of a family made with add().
  static void sample(MetricFamily& f, double value, labels l = {}) {
    ClientMetric m;
    m.label = std::move(l);
    if (f.type == MetricType::Counter)
      m.counter.value = value;
    else
      m.gauge.value = value;
    f.metric.push_back(std::move(m));
  }

  std::vector<MetricFamily> take() { return std::move(out_); }

private:
  std::vector<MetricFamily> out_;
};

double d(std::uint64_t v) { return static_cast<double>(v); }

// A counter of actors::counters exported as it is.
struct plain_counter {
  const char* name;
  const char* help;
  actors::counter actors::counters::*field;
};

using C = actors::counters;

constexpr plain_counter traffic_counters[] = {
  {"fraud_transactions_received_total",
   "Messages taken from the transaction subjects.", &C::received},
  {"fraud_duplicates_total",
   "Re-sent transaction ids answered with their first decision.",
   &C::duplicates},
  {"fraud_resends_from_store_total",
   "Of the duplicates, those whose first decision was read from the store.",
   &C::resend_reads},
  {"fraud_resends_refused_total",
   "Re-sends whose first decision could not be read: answered with an "
   "error, never scored twice.",
   &C::refused},
  {"fraud_publish_errors_total", "Replies or decisions NATS did not accept.",
   &C::publish_errors},
  {"fraud_queries_total", "Requests on fraud.query.* and fraud.stats.",
   &C::queries},
  {"fraud_query_errors_total",
   "Queries answered NOT_FOUND, BAD_REQUEST or LIMIT_EXCEEDED.",
   &C::query_errors},
  {"fraud_requests_limited_total",
   "Requests answered LIMIT_EXCEEDED, on any subject.", &C::requests_limited},
  {"fraud_changes_denied_total",
   "Rules or lists changes not signed by a trusted analyst.",
   &C::changes_denied},
  {"fraud_models_refused_total",
   "Models sent on fraud.model.set or .rollback that did not load.",
   &C::models_refused},
  {"fraud_card_activations_total", "Card actors started.",
   &C::cards_activated},
  {"fraud_card_restores_total", "Card actors started from a stored snapshot.",
   &C::restored},
  {"fraud_card_passivations_total",
   "Card actors stopped, idle or over --max-cards.", &C::passivations},
  {"fraud_store_written_total", "Decisions written to the store.",
   &C::store_written},
  {"fraud_store_dropped_total",
   "Decisions not stored: the store queue was full.", &C::store_dropped},
  {"fraud_store_errors_total", "Failed store writes or look-ups.",
   &C::store_errors},
  {"fraud_snapshots_written_total", "Card snapshots written.",
   &C::snapshots_written},
  {"fraud_snapshots_encoded_total",
   "Card states encoded: once a changed card an interval, and at "
   "passivation.",
   &C::snapshots_encoded},
  {"fraud_snapshot_errors_total", "Failed card snapshot writes or reads.",
   &C::snapshot_errors},
  {"fraud_snapshot_corrupt_total",
   "Snapshots that did not load: the card started afresh.",
   &C::snapshot_corrupt},
  {"fraud_snapshot_dropped_total",
   "Card snapshots not queued: the queue was full.", &C::snapshot_dropped},
  {"fraud_entity_activations_total",
   "Device, IP address and merchant actors started.", &C::entities_activated},
  {"fraud_entity_passivations_total",
   "Entity actors stopped, idle or over --max-entities.",
   &C::entity_passivations},
  {"fraud_entity_misses_total",
   "Entity views not had (the actor stopped meanwhile): scored with that "
   "entity unseen.",
   &C::entity_misses},
  {"fraud_entity_observations_sent_total",
   "Entity observations published for the cluster's other instances.",
   &C::entity_observations_sent},
  {"fraud_entity_observations_dropped_total",
   "Entity observations not published: the outbox was full or NATS refused.",
   &C::entity_observations_dropped},
  {"fraud_entity_observations_received_total",
   "Other instances' entity observations folded into entities here.",
   &C::entity_observations_received},
  {"fraud_entity_observations_refused_total",
   "Entity observations received but unusable (a batch that does not parse "
   "counts 1).",
   &C::entity_observations_refused},
};

// A family of several counters told apart by one label.
struct labelled_counter {
  const char* value;
  actors::counter actors::counters::*field;
};

void add_labelled(families& f, const char* name, const char* help,
                  const char* label, const actors::counters& c,
                  std::initializer_list<labelled_counter> samples) {
  auto& family = f.add(name, help, MetricType::Counter);
  for (auto& s : samples)
    families::sample(family, d((c.*s.field).get()), {{label, s.value}});
}

void add_counters(families& f, const actors::counters& c) {
  add_labelled(f, "fraud_decisions_total",
               "Transactions scored, by the action decided.", "action", c,
               {{"approve", &C::approved},
                {"review", &C::reviewed},
                {"decline", &C::declined}});
  add_labelled(f, "fraud_rejections_total",
               "Transactions answered with an error instead of a decision, "
               "by reason.",
               "reason", c,
               {{"malformed", &C::rejected_malformed},
                {"invalid_field", &C::rejected_invalid},
                {"bad_subject", &C::rejected_subject},
                {"shutting_down", &C::rejected_shutdown},
                {"overloaded", &C::rejected_overloaded}});
  for (auto& pc : traffic_counters)
    f.counter(pc.name, pc.help, d((c.*pc.field).get()));
}

void add_levels(families& f, const actors::counters& c,
                const metrics_sources& src) {
  if (src.active_cards)
    f.gauge("fraud_cards_active", "Card actors in memory now.",
            d(src.active_cards()));
  if (src.active_entities)
    f.gauge("fraud_entities_active",
            "Device, IP address and merchant actors in memory now.",
            d(src.active_entities()));
  if (src.store_queue != nullptr)
    f.gauge("fraud_store_backlog",
            "Decisions queued or being written to the store.",
            d(src.store_queue->unsettled()));
  f.gauge("fraud_store_failing_writes",
          "The store's failed write attempts in a row now (0: writing).",
          d(c.store_failing.get()));
  if (src.store_queue != nullptr)
    f.gauge("fraud_store_backlog_bytes",
            "Memory of the decisions queued for the store.",
            d(src.store_queue->bytes()));
  if (src.snapshots != nullptr) {
    f.gauge("fraud_snapshot_backlog", "Card snapshots waiting to be written.",
            d(src.snapshots->size()));
    f.gauge("fraud_snapshot_backlog_bytes",
            "Memory of the card snapshots not yet written.",
            d(src.snapshots->bytes()));
  }
  if (src.store_bound_bytes > 0)
    f.gauge("fraud_store_backlog_bound_bytes",
            "At this backlog, transactions are answered OVERLOADED "
            "(--store-queue-mb).",
            d(src.store_bound_bytes));
  if (src.snapshot_bound_bytes > 0)
    f.gauge("fraud_snapshot_backlog_bound_bytes",
            "At this backlog, transactions are answered OVERLOADED "
            "(--snapshot-queue-mb).",
            d(src.snapshot_bound_bytes));
}

void add_nats(families& f, const metrics_sources& src) {
  if (src.nats_dropped)
    f.counter("fraud_nats_dropped_total",
              "Transactions the NATS client dropped because fraudd fell "
              "behind (slow consumer), over the subscriptions held now.",
              d(src.nats_dropped()));
  if (src.nats_links) {
    auto links = src.nats_links();
    struct per_link {
      const char* name;
      const char* help;
      std::uint64_t nats_link::*field;
    };
    constexpr per_link families_of_links[] = {
      {"fraud_nats_disconnects_total", "Times a NATS connection was lost.",
       &nats_link::disconnects},
      {"fraud_nats_reconnects_total", "Times a NATS connection was regained.",
       &nats_link::reconnects},
      {"fraud_nats_slow_consumer_events_total",
       "Slow-consumer events the NATS client reported.",
       &nats_link::slow_consumers},
    };
    for (auto& pl : families_of_links) {
      // A reference from add() holds only until the next add().
      auto& family = f.add(pl.name, pl.help, MetricType::Counter);
      for (auto& l : links)
        families::sample(family, d(l.*pl.field), {{"connection", l.connection}});
    }
  }
  if (src.queues != nullptr) {
    auto q = src.queues->status();
    f.gauge("fraud_ingress_pending_messages",
            "Transactions the NATS client holds that fraudd has not read.",
            d(q.pending_msgs));
    f.gauge("fraud_ingress_wait_seconds",
            "Estimated wait of a transaction before fraudd reads it.",
            q.delay_ms / 1000.0);
  }
}

void add_cluster(families& f, const cluster_status& c) {
  f.gauge("fraud_partitions_owned", "Partitions this instance holds by lease.",
          d(c.owned.size()));
  f.gauge("fraud_cluster_instances", "Live instances this one knows of.",
          d(c.instances.size()));
  f.counter("fraud_partition_claims_total", "Partition leases taken.",
            d(c.claims));
  f.counter("fraud_partition_releases_total", "Partition leases handed over.",
            d(c.releases));
  f.counter("fraud_partitions_lost_total",
            "Partition leases lost (not renewed in time).", d(c.lost));
  f.counter("fraud_lease_renewals_total", "Partition lease renewals.",
            d(c.renewals));
  f.counter("fraud_lease_renewal_failures_total",
            "Partition lease renewals refused or failed.",
            d(c.renewal_failures));
}

} // namespace

service_metrics::service_metrics(metrics_sources sources)
  : src_(std::move(sources)) {
}

const std::vector<double>& service_metrics::latency_bounds() {
  static const std::vector<double> bounds{
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3,
    5e-3, 1e-2, 2.5e-2, 5e-2, 0.1,    0.25, 0.5,  1,    2.5,  5,    10};
  return bounds;
}

ClientMetric::Histogram
service_metrics::to_prometheus(const latency_histogram::snapshot_type& s) {
  auto& bounds = latency_bounds();
  ClientMetric::Histogram h;
  std::vector<std::uint64_t> per_bound(bounds.size() + 1, 0);  // + +Inf
  std::size_t b = 0;
  double sum_ns = 0;
  for (int i = 0; i < latency_histogram::buckets; ++i) {
    auto last = latency_histogram::last_of(i);
    // Bounds in whole nanoseconds, as the histogram counts.
    while (b < bounds.size()
           && static_cast<double>(last) > bounds[b] * 1e9 + 0.5)
      ++b;
    auto n = s.counts[static_cast<std::size_t>(i)];
    per_bound[b] += n;
    h.sample_count += n;
    sum_ns += static_cast<double>(n) * latency_histogram::value_of(i);
  }
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += per_bound[i];
    h.bucket.push_back({cumulative, bounds[i]});
  }
  h.bucket.push_back({h.sample_count, std::numeric_limits<double>::infinity()});
  h.sample_sum = sum_ns / 1e9;
  return h;
}

std::vector<MetricFamily> service_metrics::Collect() const {
  families f;
  if (!src_.instance.empty()) {
    auto& info = f.add("fraud_info", "This instance and the ruleset it runs.",
                       MetricType::Gauge);
    families::sample(info, 1,
                     {{"instance_id", src_.instance},
                      {"ruleset", src_.ruleset_version ? src_.ruleset_version()
                                                       : ""}});
  }
  if (src_.started_at_ms > 0)
    f.gauge("fraud_start_time_seconds",
            "When this fraudd started, in seconds since the Unix epoch.",
            static_cast<double>(src_.started_at_ms) / 1000.0);
  if (src_.ready)
    f.gauge("fraud_ready", "1 when /readyz answers 200, else 0.",
            src_.ready() ? 1 : 0);
  if (src_.stats != nullptr) {
    add_counters(f, *src_.stats);
    add_levels(f, *src_.stats, src_);
  }
  if (src_.latency != nullptr) {
    auto& lat = f.add("fraud_service_latency_seconds",
                      "From the ingress taking a transaction to its reply "
                      "being handed to NATS.",
                      MetricType::Histogram);
    ClientMetric m;
    m.histogram = to_prometheus(src_.latency->snapshot());
    lat.metric.push_back(std::move(m));
  }
  if (src_.rule_hits) {
    auto& hits = f.add("fraud_rule_hits_total",
                       "Decisions in which a rule fired, by rule (as stored).",
                       MetricType::Counter);
    for (auto& [rule, n] : src_.rule_hits())
      families::sample(hits, d(n), {{"rule", rule}});
  }
  add_nats(f, src_);
  if (src_.cluster)
    if (auto c = src_.cluster())
      add_cluster(f, *c);
  return f.take();
}

std::string serialize_metrics(
  const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<MetricFamily> all;
  for (auto* c : collectables) {
    auto some = c->Collect();
    all.insert(all.end(), std::make_move_iterator(some.begin()),
               std::make_move_iterator(some.end()));
  }
  return prometheus::TextSerializer{}.Serialize(all);
}

} // namespace fraud::service
