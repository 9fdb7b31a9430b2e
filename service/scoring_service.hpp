// fraudd's wiring: NATS (embedded or not), the actor system, the ruleset,
// the ingress subscriptions, and the order in which they start and stop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include "models/error.hpp"

#include "actors/card.hpp"
#include "actors/counters.hpp"
#include "actors/runtime/card_filter.hpp"
#include "actors/runtime/entity_directory.hpp"
#include "actors/decision_store.hpp"
#include "actors/snapshot_writer.hpp"
#include "actors/runtime/ruleset_slot.hpp"
#include "service/config.hpp"
#include "service/embedded_nats.hpp"
#include "service/entity_exchange.hpp"
#include "service/file_lock.hpp"
#include "service/ingress.hpp"
#include "service/live_model.hpp"
#include "service/live_rates.hpp"
#include "service/live_rules.hpp"
#include "service/loss_log.hpp"
#include "service/client/nats_connection.hpp"
#include "service/nats_decision_sink.hpp"
#include "service/cluster_responder.hpp"
#include "service/partition_owner.hpp"
#include "service/query_responder.hpp"
#include "service/queue_monitor.hpp"
#include "service/rules_responder.hpp"
#include "service/outcome_responder.hpp"
#include "service/kv_snapshot_store.hpp"
#include "service/snapshot_db.hpp"
#include "service/decision_db.hpp"
#include "service/decision_db_reader.hpp"
#include "service/dashboard_feed.hpp"
#include "service/http_server.hpp"
#include "service/readiness.hpp"
#include "service/service_metrics.hpp"

namespace fraud::service {

class scoring_service {
public:
  explicit scoring_service(config cfg);
  ~scoring_service();

  /// Starts everything; on error nothing is left running.
  fraud::error start();

  /// Graceful stop: refuse new transactions, score those already received,
  /// flush NATS. Returns an error if in-flight work did not finish in time.
  fraud::error stop();

  /// The longest stop() may take when nothing hangs: the drain timeout,
  /// then each bounded wait and flush, and a margin.
  std::chrono::milliseconds stop_budget() const;

  /// The NATS URL fraudd uses; may hold user info: print redact_url(it).
  const std::string& nats_url() const { return nats_url_; }

  /// Reads the analyst keyring (--analyst-keys) again and trusts it from
  /// now on; on an error the keys in use stay. Thread-safe once started.
  fraud::error reload_analyst_keys();

  /// The embedded server's credentials directory ("" with --nats).
  const std::string& credentials_dir() const { return credentials_dir_; }

  /// Why the service could not go on by itself (its embedded nats-server
  /// kept dying), after it raised SIGTERM to stop; empty otherwise.
  /// Thread-safe.
  fraud::error failure() const {
    return failed_.load() ? failure_ : fraud::error{};
  }
  const actors::counters& stats() const { return stats_; }

  /// Active card actors, over all partitions. Thread-safe.
  std::uint64_t active_cards() const;
  std::uint64_t active_entities() const;

  /// Messages the NATS client dropped for the ingresses held now.
  /// Thread-safe.
  std::uint64_t nats_dropped() const;

  /// Whether fraudd is fit to take transactions, and why not (/readyz).
  /// Thread-safe, lock-free but for the ingress list's mutex.
  readiness_report readiness() const;

  /// This instance's name: --instance-id, else <hostname>-<pid> in a
  /// cluster, else --name.
  const std::string& instance_id() const { return instance_id_; }

  /// The HTTP listener's address (--metrics-port), or "" when off.
  std::string http_url() const { return http_ ? http_->url() : ""; }

  /// The cluster as this instance sees it; nullopt outside a cluster.
  /// Thread-safe.
  std::optional<cluster_status> cluster() const;

private:
  // Locks a database file for this instance and checks it is sound.
  fraud::error claim(const std::string& path, std::optional<file_lock>& lock);

  // The steps of start(), in order; each starts one component.
  fraud::error open_decisions();
  fraud::error open_model();
  fraud::error open_rules();
  fraud::error open_cluster_rules();
  fraud::error open_state();
  fraud::error open_cluster_state();
  fraud::error start_nats_server();
  fraud::error spawn_writers();
  fraud::error connect_nats();
  fraud::error start_ingresses();
  fraud::error start_responders();
  fraud::error start_sweeper();
  fraud::error start_cluster();
  fraud::error start_http();
  metrics_sources sources() const;  // for the metrics and the dashboard
  // The partition callbacks (service/partition_owner.hpp), on the lease
  // thread.
  fraud::error serve_partition(int p,
                               const std::atomic<std::int64_t>* deadline);
  void write_partition_state(int p);  // its pending card snapshots, now
  std::size_t pending_in_partition(int p);  // its cards' unwritten snapshots
  bool in_partition(const std::string& card, int p) const;
  void stop_serving_partition(int p, bool planned);
  ingress_options ingress_defaults() const;
  protocol::cluster_view cluster_view() const;  // for fraud.query.cluster
  // Calls f with each ingress, holding ingresses_mtx_.
  template <class F>
  void for_each_ingress(F&& f) const {
    std::lock_guard<std::mutex> guard{ingresses_mtx_};
    for (auto& in : ingresses_)
      if (in)
        f(*in);
  }
  void sweep_idle_cards();
  template <class Handle>
  fraud::error flush(Handle& actor, const char* what);

  // Immutable after construction.
  const config cfg_;
  // Who answers: --instance-id, <hostname>-<pid> in a cluster, else --name.
  const std::string instance_id_;

  // Set by start() step by step, in this order, on the thread that calls
  // start() and stop(); torn down by stop() in reverse. Not thread-safe:
  // start(), stop() and the destructor are called from one thread.
  std::string nats_url_;
  nats_credentials nats_auth_;    // how fraudd's connections authenticate
  std::string analyst_keys_;      // the keyring changes are checked against
  std::string credentials_dir_;   // the embedded server's keys, if any
  std::unique_ptr<embedded_nats> embedded_;
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  // Devices, IP addresses and merchants: shared by every card; stopped
  // before the actor system.
  std::unique_ptr<actors::entity_directory> entities_;
  // In a cluster: the entity observations of this instance's cards for
  // the others (filled by card actors), and what publishes them and folds
  // the others' in; stopped after intake, before conn_ and entities_.
  std::unique_ptr<actors::entity_outbox> entity_outbox_;
  std::unique_ptr<entity_exchange> entity_exchange_;
  std::unique_ptr<nats_connection> conn_;
  std::unique_ptr<nats_connection> stream_conn_;  // null: decisions go on conn_
  // Thread-safe (atomics, lock-free histogram): every thread updates them.
  actors::counters stats_;
  latency_histogram latency_;
  // Thread-safe: read per transaction by every card actor, set by
  // live_rules on a rules request.
  actors::ruleset_slot rules_;
  // Likewise, set by live_rates on a rates request.
  actors::rates_slot rates_;
  // Held from start to the end of stop(): this instance's claim on its
  // database files, so that a second fraudd on them refuses to start.
  std::optional<file_lock> db_lock_;
  std::optional<file_lock> state_lock_;
  std::unique_ptr<decision_db> store_;
  std::unique_ptr<queue_monitor> queues_;  // reads ingresses_ and conn_
  std::unique_ptr<decision_read_pool> decision_reads_;  // for re-sends
  std::unique_ptr<actors::store_queue> store_queue_;
  actors::decision_store_actor store_actor_;
  std::unique_ptr<snapshot_db> snapshots_;
  std::unique_ptr<snapshot_read_pool> snapshot_reads_;
  // In a cluster the cards' state is in a key-value bucket instead, on a
  // connection of its own.
  std::unique_ptr<nats_connection> state_conn_;
  std::unique_ptr<kv_snapshot_store> kv_snapshots_;
  // Whichever of the two holds the cards' state: the writer's backend and
  // the card actors' reads.
  actors::snapshot_backend* snapshot_writes_ = nullptr;
  actors::snapshot_backend* snapshot_reader_ = nullptr;
  std::unique_ptr<actors::store_queue> snapshot_queue_;
  std::unique_ptr<actors::card_filter> filter_;
  std::unique_ptr<actors::pending_snapshots> pending_snapshots_;
  actors::snapshot_writer_actor snapshot_writer_;
  std::unique_ptr<nats_decision_sink> sink_;
  // What every card actor shares (pointers into the members above). Filled
  // once before the first ingress starts, then only read, by card actors on
  // their threads, until stop(). stop() clears its actor handle and
  // pointers only after intake ended (ingresses drained and destroyed, so
  // nothing routes or activates a card) and every routed transaction was
  // answered, so no card actor is running a handler that reads it; the
  // handle must go before sys_, which it refers to. If the drain timed out,
  // a card actor may still be running: stop() reports that as an error.
  actors::card_environment env_;
  // Outside a cluster, one per --subject, fixed from start to stop; in a
  // cluster, one slot per partition, filled while this instance holds the
  // partition's lease. ingresses_mtx_ guards the vector (not the ingresses)
  // against the lease thread; it is taken by queries, the sweeper and the
  // lease thread, never on the scoring path.
  mutable std::mutex ingresses_mtx_;
  std::vector<std::unique_ptr<ingress>> ingresses_;
  std::unique_ptr<partition_owner> owner_;  // cluster mode only
  // owner_ for the query threads, which may start before it is set.
  std::atomic<partition_owner*> owner_live_{nullptr};
  std::unique_ptr<query_responder> queries_;
  std::unique_ptr<live_rules> live_rules_;  // what rules_ holds, and changes
  std::unique_ptr<live_rates> live_rates_;  // what rates_ holds, and changes
  std::unique_ptr<live_model> live_model_;  // the model rules_ runs with
  std::unique_ptr<change_verifier> verifier_;  // for rules_responder_
  std::unique_ptr<rules_responder> rules_responder_;
  std::unique_ptr<outcome_responder> outcomes_;  // uses verifier_
  std::unique_ptr<cluster_responder> cluster_responder_;
  std::unique_ptr<loss_log> losses_;  // reads stats_
  // --metrics-port: started last, taken down first (its sources read the
  // members above).
  std::unique_ptr<service_metrics> metrics_;
  std::unique_ptr<dashboard_feed> feed_;
  std::unique_ptr<http_server> http_;
  std::atomic<bool> started_{false};   // start() finished
  std::atomic<bool> draining_{false};  // stop() began

  // The idle sweep: a thread that wakes once a second until stopped and
  // asks each ingress for a sweep, which its own thread does.
  std::thread sweeper_;
  std::mutex sweeper_mtx_;                  // guards sweeper_stop_
  std::condition_variable sweeper_cv_;
  bool sweeper_stop_ = false;

  std::int64_t started_at_ms_ = 0;
  bool stopped_ = false;
  // Written once by the nats-server supervisor before failed_ is set.
  fraud::error failure_;
  std::atomic<bool> failed_{false};
};

} // namespace fraud::service
