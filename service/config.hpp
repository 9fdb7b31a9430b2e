// The configuration of fraudd: one struct, parsed once from flags and an
// optional config file (INI or TOML, keys named as the long flags).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocol/subjects.hpp"
#include "service/client/nats_credentials.hpp"
#include "service/request_limits.hpp"

namespace CLI {
class App;
}

namespace caf {
class actor_system_config;
}

namespace fraud::service {

/// Cluster mode (README: Cluster): instances share the cards' partitions
/// through leases in JetStream key-value buckets. Off by default: a single
/// fraudd needs none of it.
struct cluster_options {
  bool enabled = false;
  std::string instance_id;     // "" = <hostname>-<pid>
  int partitions = 64;         // must match the servers' mapping
  int lease_ttl_ms = 3000;     // a dead owner's partitions wait this long
  int replicas = 3;            // of each bucket, on creation
  std::string lease_bucket = "fraud-leases";   // partitions and instances
  std::string card_bucket = "fraud-cards";     // card snapshots
  std::string rules_bucket = "fraud-rules";    // rules and lists
};

struct config {
  // NATS
  std::string nats_url;  // empty: start an embedded nats-server
  nats_credentials nats_auth;  // with --nats: who fraudd is, and TLS
  std::string analyst_keys;    // "name key" lines; "" = the embedded one's
  std::string nats_server_binary;
  int nats_port = 0;     // embedded server's port, 0 = a free one
  std::vector<std::string> subjects{protocol::subjects::tx_all};
  int card_token = 0;    // which subject token is the card, 0 = the last
  std::int64_t max_clock_skew_ms = 300'000;  // event time ahead of our clock
  std::string queue_group;
  bool send_asap = true;
  bool stream_send_asap = false;  // fraud.decisions.* on its own batched connection
  std::string name = "fraudd";

  // storage
  std::string db_path = "fraud.db";
  std::uint64_t db_check_max_mb = 1024;  // quick_check at start up to this size
  std::string rules_path;
  std::string rates_path;  // "" = the rates used last (built-in at first)
  std::string model_path;  // --model: "" = no model_score (0 for the rules)
  double rules_budget_us = 50;  // a ruleset costing more is refused  // "" = the rules that ran last (default at first)
  int retention_days = 0;             // 0 = keep decisions forever
  std::size_t store_queue = 1'000'000;  // decisions waiting to be written
  std::size_t store_queue_mb = 256;     // their memory; at it: OVERLOADED
  int store_flush_ms = 5;
  int writer_nice = 10;  // SQLite writer threads run below the scoring path
  int nice = -10;        // the answering threads; < 0 needs CAP_SYS_NICE
  int realtime_priority = 10;  // the ingress threads, SCHED_RR; 0: none

  // card state
  std::string state_path;              // "" = next to --db: fraud-cards.db
  std::size_t max_cards = 1'000'000;   // live card actors; 0 = no cap
  std::size_t resend_memory = 2;  // decisions a card keeps for re-sends
  int idle_timeout_s = 600;            // passivate idle cards; 0 = never
  // devices, IP addresses and merchants (README: "Entity state")
  std::size_t max_entities = 200'000;  // live entity actors; 0 = none kept
  int entity_idle_timeout_s = 86'400;  // passivate idle entities; 0 = never
  int snapshot_interval_ms = 1000;     // write-behind of card state
  std::size_t snapshot_queue = 1'000'000;
  std::size_t snapshot_queue_mb = 256;  // snapshots not yet written; at it:
                                        // OVERLOADED
  std::size_t card_filter_mb = 16;

  // actors
  std::string scheduler = "sharing";  // sharing | stealing
  int workers = 0;                    // 0 = one per core
  std::string dispatch = "inline";  // inline | scheduler

  // shutdown
  int drain_timeout_ms = 5000;

  // operations
  std::string log_level = "info";  // trace debug info warn error critical off
  std::string log_format = "text";  // text | json (one object a line)
  // The HTTP listener (README: Metrics, Health, Dashboard): off unless a
  // port is given; loopback unless told otherwise.
  int metrics_port = 0;  // 0: off
  std::string metrics_address = "127.0.0.1";
  bool dashboard = true;  // the page and its feed beside /metrics

  // what one request may cost (README: Limits)
  request_limits limits;

  cluster_options cluster;
};

/// Declares every option of `cfg` on `app`, with its default, so that
/// --help prints the whole configuration.
void declare_options(CLI::App& app, config& cfg);

/// Sets the scheduler of an actor system as `cfg` says: fraudd and the
/// benchmarks configure CAF through this one function.
void apply_actor_settings(const config& cfg, caf::actor_system_config& sys);

/// Checks values CLI11 cannot; returns the problem in words, or "".
std::string check(const config& cfg);

} // namespace fraud::service
