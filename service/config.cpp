#include "service/config.hpp"

#include <CLI/CLI.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include "models/validation.hpp"

#ifndef FRAUD_NATS_SERVER
#define FRAUD_NATS_SERVER "nats-server"
#endif

namespace fraud::service {

void declare_options(CLI::App& app, config& cfg) {
  cfg.nats_server_binary = FRAUD_NATS_SERVER;
  app.set_config("--config", "", "read options from this INI/TOML file");
  app.add_option("--nats", cfg.nats_url,
                 "NATS server URL; without it fraudd starts its own "
                 "nats-server on loopback");
  declare_nats_credentials(app, cfg.nats_auth, false);
  app.add_option("--analyst-keys", cfg.analyst_keys,
                 "file of '<name> <NKey public key>' lines: the analysts whose "
                 "signed rule and list changes fraudd accepts (default: the "
                 "embedded server's analyst key; with --nats and none, every "
                 "change is refused)")
    ->check(CLI::ExistingFile);
  app.add_option("--nats-server", cfg.nats_server_binary,
                 "nats-server binary for the embedded server")
    ->capture_default_str();
  app.add_option("--nats-port", cfg.nats_port,
                 "port of the embedded nats-server (0: a free one)")
    ->capture_default_str()
    ->check(CLI::Range(0, 65535));
  app.add_option("--subject", cfg.subjects,
                 "subject(s) to take transactions from; repeat for "
                 "partitions, e.g. fraud.p.0.* fraud.p.1.*")
    ->capture_default_str();
  app.add_option("--card-token", cfg.card_token,
                 "position (from 1) of the card id in the subject; 0 = the "
                 "last token")
    ->capture_default_str()
    ->check(CLI::Range(0, 16));
  app.add_option("--queue-group", cfg.queue_group,
                 "NATS queue group for the subscriptions (only for "
                 "subjects already partitioned by card)");
  app.add_option("--send-asap", cfg.send_asap,
                 "flush every publish at once (lower latency) instead of "
                 "letting nats.c batch")
    ->capture_default_str();
  app.add_option("--stream-send-asap", cfg.stream_send_asap,
                 "publish each decision on fraud.decisions.* at once; by "
                 "default nats.c batches them (about 1 ms) on a connection "
                 "of their own, while replies always go at once")
    ->capture_default_str();
  app.add_option("--name", cfg.name, "connection name shown by nats-server")
    ->capture_default_str();
  app.add_option("--rules-budget-us", cfg.rules_budget_us,
                 "refuse a ruleset (at start or when set) whose measured cost "
                 "on sample traffic passes this many microseconds a "
                 "transaction")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  app.add_option("--db-check-max-mb", cfg.db_check_max_mb,
                 "at start, check every page of a database file up to this "
                 "size (PRAGMA quick_check, about 2.5 s a GB); larger files "
                 "get a header and schema check only")
    ->capture_default_str();
  app.add_option("--db", cfg.db_path, "SQLite file for decisions")
    ->capture_default_str();
  app.add_option("--rules", cfg.rules_path,
                 "rule file to run (README: Rules); without it the rules "
                 "that ran last, or the built-in default rules");
  app.add_option("--rates", cfg.rates_path,
                 "exchange rates to convert amounts with (README: Money in "
                 "the card's currency); without it the rates used last, or "
                 "the built-in ones");
  app.add_option("--model", cfg.model_path,
                 "a model trained by fraud-sim train (XGBoost JSON) whose "
                 "fraud probability the rules see as model_score; a file "
                 "that does not load stops fraudd from starting");
  app.add_option("--retention-days", cfg.retention_days,
                 "purge decisions older than this many days (0: keep)")
    ->capture_default_str()
    ->check(CLI::Range(0, 36500));
  app.add_option("--store-queue", cfg.store_queue,
                 "decisions that may wait for the store; beyond, new ones "
                 "are not stored and counted as store_dropped")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1000}, std::size_t{100'000'000}));
  app.add_option("--store-queue-mb", cfg.store_queue_mb,
                 "memory the decisions waiting for the store may take; at "
                 "it, new transactions are answered OVERLOADED (counted as "
                 "rejected_overloaded) until the store catches up")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_option("--store-flush-ms", cfg.store_flush_ms,
                 "how often the store writes what is queued; the most a "
                 "crash of fraudd can lose")
    ->capture_default_str()
    ->check(CLI::Range(1, 10000));
  app.add_option("--writer-nice", cfg.writer_nice,
                 "nice value of the SQLite writer threads (decisions, card "
                 "snapshots), so that scoring gets the CPU first; 0: normal")
    ->capture_default_str()
    ->check(CLI::Range(0, 19));
  app.add_option("--nice", cfg.nice,
                 "nice value of fraudd's threads that answer transactions "
                 "(NATS I/O, scoring; the writers use --writer-nice), set "
                 "before any starts; below 0 needs CAP_SYS_NICE, and without "
                 "it fraudd says so and runs at normal priority")
    ->capture_default_str()
    ->check(CLI::Range(-20, 19));
  app.add_option("--rt-priority", cfg.realtime_priority,
                 "real-time priority (SCHED_RR) of the threads that take "
                 "transactions from NATS and score them, so that no other "
                 "thread on the machine preempts one mid-transaction; 0: "
                 "none, they run at --nice. Needs CAP_SYS_NICE or an "
                 "RLIMIT_RTPRIO; without it fraudd says so and runs them at "
                 "--nice")
    ->capture_default_str()
    ->check(CLI::Range(0, 99));
  app.add_option("--state-db", cfg.state_path,
                 "SQLite file for card snapshots (default: next to --db, "
                 "fraud.db -> fraud-cards.db)");
  app.add_option("--resend-memory", cfg.resend_memory,
                 "decisions each live card keeps in memory to answer a "
                 "re-send without the store (its latest; about 280 bytes "
                 "each a card); older re-sends are read from the store")
    ->capture_default_str()
    ->check(CLI::Range(0, 8));
  app.add_option("--max-cards", cfg.max_cards,
                 "live card actors at most; beyond, the least recently used "
                 "are passivated (0: no cap)")
    ->capture_default_str();
  app.add_option("--idle-timeout-s", cfg.idle_timeout_s,
                 "passivate a card actor idle this long (0: never)")
    ->capture_default_str()
    ->check(CLI::Range(0, 86400 * 365));
  app.add_option("--max-entities", cfg.max_entities,
                 "live device, IP address and merchant actors at most "
                 "(about 2 kB each); beyond, the least recently used are "
                 "passivated; 0: no entity state (their features are 0)")
    ->capture_default_str();
  app.add_option("--entity-idle-timeout-s", cfg.entity_idle_timeout_s,
                 "passivate an entity idle this long (0: never); its "
                 "longest window is 24 hours")
    ->capture_default_str()
    ->check(CLI::Range(0, 86400 * 365));
  app.add_option("--snapshot-interval-ms", cfg.snapshot_interval_ms,
                 "how often changed card state is written; the most a kill "
                 "-9 can lose")
    ->capture_default_str()
    ->check(CLI::Range(1, 600000));
  app.add_option("--snapshot-queue", cfg.snapshot_queue,
                 "card snapshots that may wait to be written")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1000}, std::size_t{100'000'000}));
  app.add_option("--snapshot-queue-mb", cfg.snapshot_queue_mb,
                 "memory the card snapshots not yet written may take; at "
                 "it, new transactions are answered OVERLOADED until the "
                 "writer catches up")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_option("--card-filter-mb", cfg.card_filter_mb,
                 "memory of the filter that tells new cards from stored ones")
    ->capture_default_str()
    ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
  app.add_option("--scheduler", cfg.scheduler,
                 "CAF scheduler policy: sharing (one queue, lowest latency "
                 "here) or stealing")
    ->capture_default_str()
    ->check(CLI::IsMember({"sharing", "stealing"}));
  app.add_option("--workers", cfg.workers,
                 "CAF worker threads, 0 = one per core")
    ->capture_default_str()
    ->check(CLI::Range(0, 256));
  app.add_option("--dispatch", cfg.dispatch,
                 "who runs an idle card actor for a transaction: inline "
                 "(the NATS callback thread, no thread wake-up) or "
                 "scheduler (a CAF worker)")
    ->capture_default_str()
    ->check(CLI::IsMember({"inline", "scheduler"}));
  app.add_option("--drain-timeout-ms", cfg.drain_timeout_ms,
                 "on SIGINT/SIGTERM, how long to wait for in-flight "
                 "transactions")
    ->capture_default_str()
    ->check(CLI::Range(0, 600000));
  app.add_option("--max-clock-skew-ms", cfg.max_clock_skew_ms,
                 "reject a transaction whose event time is more than this "
                 "ahead of the service's clock (INVALID_FIELD event_time_ms), "
                 "so that one far-future time cannot blind a card's "
                 "windows; 0: no check")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  app.add_option("--log-level", cfg.log_level,
                 "log lines on stderr from this level up: trace, debug, "
                 "info, warn, error, critical, off")
    ->capture_default_str()
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error",
                           "critical", "off"}));
  app.add_option("--log-format", cfg.log_format,
                 "log lines as text, or as one JSON object a line (time, "
                 "level, component, message) for log shippers")
    ->capture_default_str()
    ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--metrics-port", cfg.metrics_port,
                 "serve /metrics (Prometheus), /healthz, /readyz and the "
                 "dashboard over HTTP on this port (0: off)")
    ->capture_default_str()
    ->check(CLI::Range(0, 65535));
  app.add_option("--metrics-address", cfg.metrics_address,
                 "address the HTTP listener binds (0.0.0.0: every "
                 "interface; nothing on it asks who you are)")
    ->capture_default_str();
  app.add_option("--dashboard", cfg.dashboard,
                 "serve the live dashboard and its JSON feed on the "
                 "--metrics-port listener (false: only /metrics and the "
                 "health checks)")
    ->capture_default_str();
  declare_limit_options(app, cfg.limits);
  auto* c = app.add_option_group(
    "Cluster", "several fraudd share the cards over a NATS cluster with "
               "JetStream (README: Cluster)");
  c->add_flag("--cluster", cfg.cluster.enabled,
              "take partitions by lease instead of --subject, keep card "
              "state and rules in JetStream key-value buckets; needs --nats");
  c->add_option("--instance-id", cfg.cluster.instance_id,
                "this instance's name in the cluster (default: "
                "<hostname>-<pid>)");
  c->add_option("--partitions", cfg.cluster.partitions,
                "partitions of the cards: the servers' mapping's "
                "partition(N,1)")
    ->capture_default_str()
    ->check(CLI::Range(1, 4096));
  c->add_option("--lease-ttl-ms", cfg.cluster.lease_ttl_ms,
                "a partition lease lasts this long unless renewed: how long "
                "a dead instance's cards wait for a new owner")
    ->capture_default_str()
    ->check(CLI::Range(500, 600000));
  c->add_option("--replicas", cfg.cluster.replicas,
                "replicas of each bucket fraudd creates (1..5)")
    ->capture_default_str()
    ->check(CLI::Range(1, 5));
  c->add_option("--lease-bucket", cfg.cluster.lease_bucket,
                "key-value bucket of partition leases and live instances")
    ->capture_default_str();
  c->add_option("--card-bucket", cfg.cluster.card_bucket,
                "key-value bucket of card snapshots")
    ->capture_default_str();
  c->add_option("--rules-bucket", cfg.cluster.rules_bucket,
                "key-value bucket of the rules and lists")
    ->capture_default_str();
}

void apply_actor_settings(const config& cfg, caf::actor_system_config& sys) {
  sys.set("scheduler.policy", cfg.scheduler == "stealing"
                                ? caf::atom("stealing")
                                : caf::atom("sharing"));
  if (cfg.workers > 0)
    sys.set("scheduler.max-threads", static_cast<size_t>(cfg.workers));
}

std::string check(const config& cfg) {
  if (cfg.subjects.empty())
    return "at least one --subject is needed";
  for (auto& s : cfg.subjects)
    if (s.empty() || s.find(' ') != std::string::npos)
      return "bad subject '" + s + "'";
  if (cfg.cluster.enabled && cfg.nats_url.empty())
    return "--cluster needs --nats: the servers of a NATS cluster with "
           "JetStream (deploy/nats/cluster)";
  return {};
}

} // namespace fraud::service
