#include "service/scoring_service.hpp"

#include "service/client/local_credentials.hpp"
#include "service/embedded_auth.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <csignal>
#include <thread>
#include <unistd.h>

#include "actors/runtime/log.hpp"
#include "protocol/partition.hpp"
#include "service/client/clock.hpp"
#include "models/error.hpp"
#include "models/model_score.hpp"

namespace fraud::service {

namespace {

// The bounds of stop() beyond the drain timeout, named once: stop() keeps
// to them, and stop_budget() adds them up for fraudd's watchdog.
constexpr auto in_flight_grace = std::chrono::seconds(1);
constexpr auto final_flush = std::chrono::milliseconds(10'000);  // per writer
constexpr int nats_flush_ms = 2000;                              // per connection
// Card snapshots per key-value batch in a cluster (see spawn_writers):
// a handover's write waits for at most one such batch (a round trip).
// At a few milliseconds a round trip, the writer still takes ~10k cards/s,
// more than an instance scores in cluster mode (BENCHMARKS.md: Cluster).
constexpr std::size_t cluster_snapshot_batch = 32;
// Entity observations waiting to be published to the other instances of a
// cluster: at 40 bytes or so each, a few MB at most; the publisher drains
// it every 2 ms, so only a stalled connection fills it.
constexpr std::size_t entity_outbox_capacity = 65536;

} // namespace

scoring_service::scoring_service(config cfg)
  : cfg_(std::move(cfg)),
    instance_id_(!cfg_.cluster.instance_id.empty() ? cfg_.cluster.instance_id
                 : cfg_.cluster.enabled             ? default_instance_id()
                                                    : cfg_.name),
    rules_(models::make_default_ruleset()),
    rates_(std::make_shared<const models::rates>(models::default_rates())) {
}

scoring_service::~scoring_service() {
  if (auto err = stop())
    FRAUD_LOG(err, "fraudd", "unclean stop: {}", to_string(err));
}

std::uint64_t scoring_service::active_entities() const {
  return entities_ ? entities_->size() : 0;
}

std::uint64_t scoring_service::active_cards() const {
  std::uint64_t n = 0;
  for_each_ingress([&](const ingress& in) { n += in.cards().size(); });
  return n;
}

std::uint64_t scoring_service::nats_dropped() const {
  std::uint64_t n = 0;
  for_each_ingress([&](const ingress& in) {
    n += static_cast<std::uint64_t>(in.dropped());
  });
  return n;
}

readiness_report scoring_service::readiness() const {
  readiness_facts f;
  f.started = started_.load();
  f.draining = draining_.load();
  // The connections' own callbacks count losses and returns: lock-free.
  auto up = [](const std::unique_ptr<nats_connection>& c) {
    return !c || c->disconnects() == c->reconnects();
  };
  f.nats_connected = conn_ && up(conn_) && up(stream_conn_) && up(state_conn_);
  if (cfg_.cluster.enabled) {
    f.subscribed = owner_live_.load() != nullptr;  // partitions by lease
  } else {
    std::size_t live = 0;
    for_each_ingress([&](const ingress&) { ++live; });
    f.subscribed = live == cfg_.subjects.size();
  }
  f.store_failing = stats_.store_failing.get();
  return assess(f);
}

std::optional<cluster_status> scoring_service::cluster() const {
  if (!owner_)
    return std::nullopt;
  return owner_->status();
}

fraud::error scoring_service::start() {
  // One step per component, in the order they depend on each other. A step
  // that fails leaves what it made for stop(), which takes down whatever
  // the earlier steps started, in reverse order: on error nothing is left
  // running (tests/service/scoring_service_test.cpp).
  using step = fraud::error (scoring_service::*)();
  static constexpr step steps[] = {
    &scoring_service::open_decisions, // a database fraudd cannot open or
                                      // migrate is a reason not to start
    &scoring_service::open_model,  // before any ruleset runs
    &scoring_service::open_rules,  // in a cluster: after connect_nats
    &scoring_service::open_state,
    &scoring_service::start_nats_server,
    &scoring_service::connect_nats,
    &scoring_service::open_cluster_rules,
    &scoring_service::open_cluster_state,  // needs NATS; the writer needs it
    &scoring_service::spawn_writers,
    &scoring_service::start_ingresses,
    &scoring_service::start_responders,
    &scoring_service::start_sweeper,
    &scoring_service::start_cluster,  // partitions come once all is up
    &scoring_service::start_http,     // last: it reads all of the above
  };
  started_at_ms_ = wall_ms();
  for (auto s : steps) {
    if (auto err = (this->*s)()) {
      if (auto undo = stop())
        FRAUD_LOG(err, "fraudd", "undoing a failed start: {}",
                  to_string(undo));
      return err;
    }
  }
  started_.store(true);
  return {};
}

metrics_sources scoring_service::sources() const {
  metrics_sources m;
  m.stats = &stats_;
  m.latency = &latency_;
  m.store_queue = store_queue_.get();
  m.snapshots = pending_snapshots_.get();
  m.store_bound_bytes = cfg_.store_queue_mb << 20;
  m.snapshot_bound_bytes = cfg_.snapshot_queue_mb << 20;
  m.queues = queues_.get();
  m.rule_hits = [this] { return store_->rule_hits(); };
  m.active_cards = [this] { return active_cards(); };
  m.active_entities = [this] { return active_entities(); };
  m.nats_dropped = [this] { return nats_dropped(); };
  m.nats_links = [this] {
    std::vector<nats_link> links;
    auto add = [&](const char* name, const std::unique_ptr<nats_connection>& c) {
      if (c)
        links.push_back({name, c->disconnects(), c->reconnects(),
                         c->slow_consumer_events()});
    };
    add("main", conn_);
    add("stream", stream_conn_);
    add("state", state_conn_);
    return links;
  };
  m.ruleset_version = [this] { return rules_.get()->version(); };
  m.ready = [this] { return readiness().ready; };
  if (cfg_.cluster.enabled)
    m.cluster = [this] { return cluster(); };
  m.started_at_ms = started_at_ms_;
  m.instance = instance_id_;
  return m;
}

fraud::error scoring_service::start_http() {
  if (cfg_.metrics_port == 0)
    return {};
  metrics_ = std::make_unique<service_metrics>(sources());
  auto ready = [this] { return readiness(); };
  if (cfg_.dashboard)
    feed_ = std::make_unique<dashboard_feed>(sources(), ready, cfg_.db_path);
  http_options o;
  o.address = cfg_.metrics_address;
  o.port = cfg_.metrics_port;
  auto server = http_server::start(o, http_routes{metrics_.get(), ready,
                                                  feed_.get()});
  if (!server)
    return server.error();
  http_ = std::move(*server);
  return {};
}

fraud::error scoring_service::claim(const std::string& path,
                                    std::optional<file_lock>& lock) {
  // The lock first: a second fraudd must not even read a file the first
  // is writing, let alone decide it is corrupt.
  auto claimed = file_lock::exclusive(path);
  if (!claimed)
    return claimed.error();
  lock = std::move(*claimed);
  return check_database(path, cfg_.db_check_max_mb << 20);
}

fraud::error scoring_service::open_decisions() {
  if (auto err = claim(cfg_.db_path, db_lock_))
    return err;
  auto store = decision_db::open(cfg_.db_path);
  if (!store)
    return store.error();
  store_ = std::move(*store);
  store_queue_ = std::make_unique<actors::store_queue>(
    cfg_.store_queue, backlog_bounds::hard_limit(cfg_.store_queue_mb << 20));
  decision_reads_ = std::make_unique<decision_read_pool>(cfg_.db_path);
  return {};
}

fraud::error scoring_service::open_model() {
  if (cfg_.cluster.enabled)
    return {};  // the model comes from the cluster's bucket
                // (open_cluster_rules)
  auto live = live_model::open(cfg_.db_path, cfg_.model_path, rules_,
                               cfg_.limits);
  if (!live)
    return live.error();
  live_model_ = std::move(*live);
  return {};
}

fraud::error scoring_service::open_rules() {
  if (cfg_.cluster.enabled)
    return {};  // the rules and rates come from the cluster's bucket
                // (open_cluster_rules)
  auto rates = live_rates::open(cfg_.db_path, cfg_.rates_path, rates_,
                                cfg_.limits);
  if (!rates)
    return rates.error();
  live_rates_ = std::move(*rates);
  auto live = live_rules::open(cfg_.db_path, cfg_.rules_path, rules_,
                               cfg_.rules_budget_us, cfg_.limits);
  if (!live)
    return live.error();
  live_rules_ = std::move(*live);
  return {};
}

fraud::error scoring_service::open_cluster_rules() {
  if (!cfg_.cluster.enabled)
    return {};
  rules_cluster rc{conn_->get(), cfg_.cluster.rules_bucket,
                   cfg_.cluster.replicas};
  // Each live holder of a log of the bucket, opened once the cluster
  // answers; a bad file (rules, model, rates) is not the cluster's, and
  // is not retried.
  auto follow = [&](const std::string& what, auto open, auto& into) {
    auto live = retry_while_cluster_starts(
      what + rc.bucket, open, [](const fraud::error& e) {
        return e.code() != ec::nats_error && e.code() != ec::timeout;
      });
    if (!live)
      return live.error();
    into = std::move(*live);
    return fraud::error{};
  };
  if (auto err = follow(
        "rules bucket ",
        [&] {
          return live_rules::open(cfg_.db_path, cfg_.rules_path, rules_,
                                  cfg_.rules_budget_us, cfg_.limits, &rc);
        },
        live_rules_))
    return err;
  if (auto err = follow(
        "model log of bucket ",
        [&] {
          return live_model::open(cfg_.db_path, cfg_.model_path, rules_,
                                  cfg_.limits, &rc);
        },
        live_model_))
    return err;
  return follow(
    "rates log of bucket ",
    [&] {
      return live_rates::open(cfg_.db_path, cfg_.rates_path, rates_,
                              cfg_.limits, &rc);
    },
    live_rates_);
}

fraud::error scoring_service::start_nats_server() {
  nats_auth_ = cfg_.nats_auth;
  analyst_keys_ = cfg_.analyst_keys;
  if (!cfg_.nats_url.empty()) {
    nats_url_ = cfg_.nats_url;
    return {};
  }
  // The embedded default is as locked down as a deployment: the shipped
  // configuration, a key per role, nothing anonymous (README: Security).
  auto auth = prepare_embedded_auth(credentials_dir_for(cfg_.db_path));
  if (!auth)
    return auth.error();
  embedded_nats_options o;
  o.binary = cfg_.nats_server_binary;
  o.port = cfg_.nats_port;
  o.extra_config = auth->server_config;
  auto slash = cfg_.db_path.rfind('/');
  o.work_dir = slash == std::string::npos ? "." : cfg_.db_path.substr(0, slash);
  auto server = embedded_nats::start(o);
  if (!server)
    return server.error();
  embedded_ = std::move(*server);
  nats_url_ = embedded_->url();
  credentials_dir_ = auth->dir;
  nats_auth_ = nats_credentials{};
  nats_auth_.nkey_file = auth->scorer_key;
  if (analyst_keys_.empty())
    analyst_keys_ = auth->analysts;
  if (auto err = write_server_url(*auth, nats_url_))
    return err;
  if (auto err = register_local_server(embedded_->port(), credentials_dir_))
    FRAUD_LOG(warn, "nats", "clients will need --credentials {}: {}",
              credentials_dir_, to_string(err));
  // A server that dies is started again on its port (our connections
  // reconnect); one that keeps dying is a reason to stop, loudly.
  embedded_->supervise(3, [this](const fraud::error& err) {
    FRAUD_LOG(critical, "nats", "{}: fraudd stops", to_string(err));
    failure_ = err;
    failed_.store(true);
    ::kill(::getpid(), SIGTERM);
  });
  FRAUD_LOG(info, "nats", "started nats-server at {} (log: {}; credentials "
            "for each role in {})", nats_url_, embedded_->log_path(),
            credentials_dir_);
  return {};
}

fraud::error scoring_service::reload_analyst_keys() {
  if (!verifier_)
    return make_error(ec::config_error, "fraudd has not started");
  if (analyst_keys_.empty())
    return make_error(ec::config_error, "there is no --analyst-keys file to "
                                        "read again");
  auto keyring = analyst_keyring::load(analyst_keys_);
  if (!keyring)
    return with_context(keyring.error(), "--analyst-keys " + analyst_keys_);
  auto count = keyring->size();
  verifier_->replace_keyring(std::move(*keyring));
  FRAUD_LOG(info, "rules", "analyst keys read again from {}: {} trusted",
            analyst_keys_, count);
  return {};
}

fraud::error scoring_service::spawn_writers() {
  apply_actor_settings(cfg_, sys_cfg_);
  sys_ = std::make_unique<caf::actor_system>(sys_cfg_);
  actors::store_environment se;
  se.queue = store_queue_.get();
  se.backend = store_.get();
  se.stats = &stats_;
  se.flush_interval = std::chrono::milliseconds{cfg_.store_flush_ms};
  se.retention_days = cfg_.retention_days;
  se.thread_nice = cfg_.writer_nice;
  se.final_flush = final_flush;
  store_actor_ = sys_->spawn<caf::detached>(actors::decision_store, se);
  pending_snapshots_ = std::make_unique<actors::pending_snapshots>(
    *snapshot_queue_, stats_);
  actors::snapshot_environment sn;
  sn.pending = pending_snapshots_.get();
  sn.backend = snapshot_writes_;
  sn.stats = &stats_;
  sn.interval = std::chrono::milliseconds{cfg_.snapshot_interval_ms};
  sn.thread_nice = cfg_.writer_nice;
  if (cfg_.cluster.enabled) {
    // A handover writes only its partition's cards (flush with a group),
    // after the chunk being written: chunks are kept small so that it
    // never waits for long behind one.
    sn.group_of = [partitions = static_cast<std::uint32_t>(
                     cfg_.cluster.partitions)](std::string_view card) {
      return protocol::partition_of(card, partitions);
    };
    sn.max_batch = cluster_snapshot_batch;
  }
  snapshot_writer_ = sys_->spawn<caf::detached>(actors::snapshot_writer, sn);
  return {};
}

fraud::error scoring_service::connect_nats() {
  nats_options no;
  no.url = nats_url_;
  no.auth = nats_auth_;
  no.name = cfg_.name;
  no.send_asap = cfg_.send_asap;
  if (cfg_.cluster.enabled)
    no.reconnect_buffer_bytes = 1;
  auto conn = nats_connection::connect(no);
  if (!conn)
    return conn.error();
  conn_ = std::move(*conn);
  // The stream of decisions for everyone downstream has no one waiting on
  // each message: on a connection of its own, nats.c may batch it (one
  // write a millisecond instead of one per decision) without delaying the
  // replies on the main connection.
  if (!cfg_.stream_send_asap) {
    no.name = cfg_.name + "-stream";
    no.send_asap = false;
    auto stream = nats_connection::connect(no);
    if (!stream)
      return stream.error();
    stream_conn_ = std::move(*stream);
  }
  auto* stream = stream_conn_ ? stream_conn_->get() : conn_->get();
  sink_ = std::make_unique<nats_decision_sink>(conn_->get(), stream, stats_,
                                               latency_, store_queue_.get());
  return {};
}

ingress_options scoring_service::ingress_defaults() const {
  actors::directory_limits limits;
  // The cap is shared out over the partitions, each owning its cards.
  auto shares = cfg_.cluster.enabled
                  ? static_cast<std::size_t>(fair_share(cfg_.cluster.partitions, 1))
                  : cfg_.subjects.size();
  limits.max_cards = cfg_.max_cards == 0
                       ? 0
                       : std::max<std::size_t>(1, cfg_.max_cards / shares);
  limits.idle_ns = std::int64_t{cfg_.idle_timeout_s} * 1'000'000'000;
  ingress_options io;
  io.card_token = cfg_.card_token;
  io.max_event_ahead_ms = cfg_.max_clock_skew_ms;
  io.queue_group = cfg_.queue_group;
  io.limits = limits;
  io.run_inline = cfg_.dispatch == "inline";
  io.realtime_priority = cfg_.realtime_priority;
  io.bounds.decisions = store_queue_.get();
  io.bounds.decision_bytes = cfg_.store_queue_mb << 20;
  io.bounds.snapshots = pending_snapshots_.get();
  io.bounds.snapshot_bytes = cfg_.snapshot_queue_mb << 20;
  return io;
}

fraud::error scoring_service::start_ingresses() {
  env_.sink = sink_.get();
  env_.rules = &rules_;
  env_.rates = &rates_;
  env_.stats = &stats_;
  env_.decisions = decision_reads_.get();
  env_.decision_queue = store_queue_.get();
  env_.resend_memory = cfg_.resend_memory;
  env_.snapshot_queue = snapshot_queue_.get();
  env_.pending = pending_snapshots_.get();
  env_.snapshot_reads = snapshot_reader_;
  env_.filter = filter_.get();
  if (cfg_.max_entities > 0) {
    actors::entity_limits el;
    el.max_entities = cfg_.max_entities;
    el.idle_ns = std::int64_t{cfg_.entity_idle_timeout_s} * 1'000'000'000;
    entities_ = std::make_unique<actors::entity_directory>(*sys_, el,
                                                           &stats_);
    env_.entities = entities_.get();
    if (cfg_.cluster.enabled) {
      entity_outbox_ = std::make_unique<actors::entity_outbox>(
        entity_outbox_capacity);
      env_.outbox = entity_outbox_.get();
    }
  }
  if (cfg_.cluster.enabled) {
    // Subscriptions come with leases (start_cluster).
    std::lock_guard<std::mutex> guard{ingresses_mtx_};
    ingresses_.resize(static_cast<std::size_t>(cfg_.cluster.partitions));
    return {};
  }
  for (auto& subject : cfg_.subjects) {
    auto io = ingress_defaults();
    io.subject = subject;
    ingress* in_started = nullptr;
    {
      std::lock_guard<std::mutex> guard{ingresses_mtx_};
      ingresses_.push_back(std::make_unique<ingress>(*sys_, env_, conn_->get(),
                                                     stats_, io));
      in_started = ingresses_.back().get();
    }
    if (auto err = in_started->start())
      return err;
  }
  return {};
}

fraud::error scoring_service::start_cluster() {
  // Answered outside a cluster too ("not a cluster"); started after owner_
  // is set, which it reads.
  auto answer_cluster_queries = [this] {
    cluster_responder_ = std::make_unique<cluster_responder>(
      conn_->get(), stats_, [this] { return cluster_view(); });
    return cluster_responder_->start();
  };
  if (!cfg_.cluster.enabled)
    return answer_cluster_queries();
  if (entity_outbox_) {
    // Before any partition is served: every use is shared.
    entity_exchange_options eo;
    eo.instance = instance_id_;
    entity_exchange_ = std::make_unique<entity_exchange>(
      conn_->get(), *entity_outbox_, *entities_, stats_, eo);
    if (auto err = entity_exchange_->start())
      return err;
  }
  partition_owner_options o;
  o.instance_id = instance_id_;
  o.partitions = cfg_.cluster.partitions;
  o.ttl = std::chrono::milliseconds{cfg_.cluster.lease_ttl_ms};
  o.replicas = cfg_.cluster.replicas;
  o.bucket = cfg_.cluster.lease_bucket;
  partition_callbacks cb;
  cb.serve = [this](int p, const std::atomic<std::int64_t>* deadline) {
    return serve_partition(p, deadline);
  };
  cb.stop_serving = [this](int p, bool planned) {
    stop_serving_partition(p, planned);
  };
  cb.before_handover = [this](int p) {
    // Cards that kept buying while their state was written are written
    // again, a few times at most: whatever is left after that is written
    // in the gap.
    for (int i = 0; i < 3 && pending_in_partition(p) > 0; ++i)
      write_partition_state(p);
  };
  auto owner = partition_owner::start(conn_->get(), std::move(o), std::move(cb));
  if (!owner)
    return owner.error();
  owner_ = std::move(*owner);
  owner_live_.store(owner_.get());
  return answer_cluster_queries();
}

fraud::error
scoring_service::serve_partition(int p,
                                 const std::atomic<std::int64_t>* deadline) {
  auto io = ingress_defaults();
  io.subject = protocol::subjects::partition(static_cast<std::uint32_t>(p));
  io.queue_group.clear();  // the lease makes this instance the only one
  io.card_token = 0;
  io.partition = p;
  io.partitions = cfg_.cluster.partitions;
  io.serve_until_ns = deadline;
  // A partition with no traffic need not wake its thread every 10 ms.
  io.idle_tick_ms = 50;
  auto in = std::make_unique<ingress>(*sys_, env_, conn_->get(), stats_, io);
  if (auto err = in->start())
    return err;
  // Confirmed by the server before the lease counts as served: a
  // requester that finds this partition owned finds it subscribed too.
  if (auto s = conn_->flush(2000); s != NATS_OK)
    return make_error(ec::nats_error, "subscribing to " + io.subject + ": "
                                        + describe(s));
  std::lock_guard<std::mutex> guard{ingresses_mtx_};
  ingresses_[static_cast<std::size_t>(p)] = std::move(in);
  return {};
}

void scoring_service::stop_serving_partition(int p, bool planned) {
  std::unique_ptr<ingress> in;
  {
    std::lock_guard<std::mutex> guard{ingresses_mtx_};
    in = std::move(ingresses_[static_cast<std::size_t>(p)]);
  }
  if (!in)
    return;
  // Where a handover's time goes, for the log (README: Cluster).
  auto t0 = steady_ns();
  auto ms_since = [](std::int64_t t) { return (steady_ns() - t) / 1'000'000; };
  if (planned) {
    // Finish what NATS delivered; the new owner subscribes only after the
    // lease is released, so nothing is lost between the two.
    if (auto err = in->drain(cfg_.drain_timeout_ms))
      FRAUD_LOG(warn, "cluster", "partition {}: {}", p, to_string(err));
  } else {
    // The lease is gone or about to be: what waits is refused (the
    // requester retries on the new owner), not scored.
    in->refuse_new();
    if (auto err = in->drain(1, 500))
      FRAUD_LOG(warn, "cluster", "partition {}: {}", p, to_string(err));
  }
  // The cards finish what was routed to them (their mailboxes keep the
  // order) and stop; each queued its state with its last transaction.
  auto drained_ms = ms_since(t0);
  auto t1 = steady_ns();
  auto cards = in->cards().release_all();
  if (!cards.empty()) {
    caf::scoped_actor self{*sys_};
    for (auto& c : cards) {
      self->monitor(c);
      caf::anon_send(c, actors::passivate_atom::value);
    }
    stats_.passivations.add(cards.size());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::size_t down = 0;
    bool late = false;
    while (down < cards.size() && !late)
      self->receive([&](const caf::down_msg&) { ++down; },
                    caf::after(std::max(std::chrono::steady_clock::duration{0},
                                        deadline - std::chrono::steady_clock::now()))
                      >> [&] { late = true; });
    if (late)
      FRAUD_LOG(warn, "cluster", "partition {}: {} of {} cards still busy "
                "after 5 s", p, cards.size() - down, cards.size());
  }
  auto passivated_ms = ms_since(t1);
  auto t2 = steady_ns();
  if (!planned && pending_snapshots_) {
    // The lease is gone: the next owner may already write these cards.
    // What this instance has not written yet is older than what it will
    // write, so it is dropped rather than written over the new owner's
    // (lost: at most --snapshot-interval-ms of these cards' changes).
    auto n = pending_snapshots_->discard([&](const std::string& card) {
      return in_partition(card, p);
    });
    if (n > 0)
      FRAUD_LOG(warn, "cluster", "partition {}: {} card snapshots not "
                "written, the lease being lost", p, n);
  }
  // Written before the lease is released: the new owner reads it. Most
  // was written ahead, while the partition was still served
  // (write_partition_state); a snapshot still pending is also one being
  // written, so none pending means nothing to wait for.
  if (planned && pending_in_partition(p) > 0)
    write_partition_state(p);
  in.reset();
  FRAUD_LOG(info, "cluster", "partition {}: stopped serving in {} ms "
            "(drain {} ms, {} cards stopped in {} ms, state written in {} ms)",
            p, ms_since(t0), drained_ms, cards.size(), passivated_ms,
            ms_since(t2));
}

bool scoring_service::in_partition(const std::string& card, int p) const {
  return protocol::partition_of(card, static_cast<std::uint32_t>(
                                        cfg_.cluster.partitions))
         == static_cast<std::uint32_t>(p);
}

std::size_t scoring_service::pending_in_partition(int p) {
  if (!pending_snapshots_)
    return 0;
  return pending_snapshots_->count(
    [&](const std::string& card) { return in_partition(card, p); });
}

void scoring_service::write_partition_state(int p) {
  if (!snapshot_writer_)
    return;
  // Only this partition's cards: the others' wait for the next interval.
  caf::scoped_actor self{*sys_};
  self->request(snapshot_writer_, std::chrono::seconds(10),
                actors::flush_atom::value, static_cast<std::uint32_t>(p))
    .receive([](std::uint64_t) {},
             [&](caf::error& err) {
               FRAUD_LOG(err, "cluster", "partition {}: card state not "
                         "written before the handover: {}", p,
                         caf::to_string(err));
             });
}

fraud::error scoring_service::start_responders() {
  query_context qc;
  qc.sys = sys_.get();
  qc.stats = &stats_;
  qc.latency = &latency_;
  qc.store = store_.get();
  qc.queue = store_queue_.get();
  qc.snapshots = pending_snapshots_.get();
  qc.rules = &rules_;
  qc.find_card = [this](const std::string& id)
    -> std::optional<actors::card_actor> {
    std::optional<actors::card_actor> found;
    for_each_ingress([&](ingress& in) {
      if (!found)
        found = in.cards().lookup(id);
    });
    return found;
  };
  qc.active_cards = [this] { return active_cards(); };
  qc.active_entities = [this] { return active_entities(); };
  qc.nats_dropped = [this] { return nats_dropped(); };
  queues_ = std::make_unique<queue_monitor>([this] {
    queue_sample s;
    for_each_ingress([&](ingress& in) {
      in.pending(s.pending_msgs, s.pending_bytes);
    });
    s.taken = stats_.received.get();
    s.slow_consumers = conn_->slow_consumer_events();
    std::int64_t rtt_ns = 0;
    if (natsConnection_GetRTT(conn_->get(), &rtt_ns) == NATS_OK)
      s.rtt_ms = static_cast<double>(rtt_ns) / 1e6;
    return s;
  });
  qc.queues = queues_.get();
  qc.started_at_ms = started_at_ms_;
  qc.db_path = cfg_.db_path;
  qc.limits = cfg_.limits;
  qc.instance = instance_id_;
  qc.live_instances = [this]() -> std::uint32_t {
    auto* owner = owner_live_.load();
    return owner != nullptr ? owner->live_instances() : 1;
  };
  auto outcome_ctx = qc;
  queries_ = std::make_unique<query_responder>(conn_->get(), std::move(qc));
  if (auto err = queries_->start())
    return err;
  auto keyring = analyst_keys_.empty()
                   ? fraud::expected<analyst_keyring>{analyst_keyring{}}
                   : analyst_keyring::load(analyst_keys_);
  if (!keyring)
    return with_context(keyring.error(), "--analyst-keys");
  if (keyring->empty())
    FRAUD_LOG(warn, "rules", "no analyst keys (--analyst-keys): every rules "
              "and lists change will be refused");
  verifier_ = std::make_unique<change_verifier>(std::move(*keyring));
  rules_responder_ = std::make_unique<rules_responder>(
    conn_->get(), *live_rules_, stats_, cfg_.db_path, *verifier_,
    live_rates_.get(), live_model_.get());
  if (auto err = rules_responder_->start())
    return err;
  outcomes_ = std::make_unique<outcome_responder>(
    conn_->get(), std::move(outcome_ctx), *verifier_);
  if (auto err = outcomes_->start())
    return err;
  if (auto s = conn_->flush(2000); s != NATS_OK)
    return make_error(ec::nats_error,
                      "subscriptions not confirmed: " + describe(s));
  return {};
}

protocol::cluster_view scoring_service::cluster_view() const {
  protocol::cluster_view v;
  v.instance = instance_id_;
  auto c = cluster();
  if (!c)
    return v;  // owner_ is set before any partition is served
  v.clustered = true;
  v.instance = c->instance;
  v.partitions = static_cast<std::uint32_t>(cfg_.cluster.partitions);
  for (auto& [id, age] : c->instances)
    v.instances.push_back({id, age});
  for (auto& ps : c->partitions) {
    protocol::cluster_partition_view pv;
    pv.partition = static_cast<std::uint32_t>(ps.partition);
    pv.owner = ps.owner;
    pv.revision = ps.revision;
    pv.written_ms_ago = ps.age_ms;
    v.leases.push_back(std::move(pv));
  }
  {
    std::lock_guard<std::mutex> guard{ingresses_mtx_};
    for (std::size_t p = 0; p < ingresses_.size() && p < v.leases.size(); ++p)
      if (ingresses_[p])
        v.leases[p].active_cards = ingresses_[p]->cards().size();
  }
  for (int p : c->owned)
    v.owned.push_back(static_cast<std::uint32_t>(p));
  v.claims = c->claims;
  v.releases = c->releases;
  v.renewals = c->renewals;
  v.renewal_failures = c->renewal_failures;
  v.lost = c->lost;
  return v;
}

fraud::error scoring_service::start_sweeper() {
  losses_ = std::make_unique<loss_log>(stats_);
  if (cfg_.idle_timeout_s > 0 || cfg_.entity_idle_timeout_s > 0)
    sweeper_ = std::thread{[this] { sweep_idle_cards(); }};
  return {};
}

fraud::error scoring_service::open_state() {
  snapshot_queue_ = std::make_unique<actors::store_queue>(cfg_.snapshot_queue);
  if (cfg_.cluster.enabled)
    return {};  // the cards' state is in the cluster (open_cluster_state)
  auto path = cfg_.state_path.empty() ? default_state_path(cfg_.db_path)
                                      : cfg_.state_path;
  if (auto err = claim(path, state_lock_))
    return err;
  auto db = snapshot_db::open(path);
  if (!db)
    return db.error();
  snapshots_ = std::move(*db);
  snapshot_reads_ = std::make_unique<snapshot_read_pool>(path);
  snapshot_writes_ = snapshots_.get();
  snapshot_reader_ = snapshot_reads_.get();
  filter_ = std::make_unique<actors::card_filter>(cfg_.card_filter_mb << 20);
  // Every card with a snapshot is known before the first transaction, so
  // that a restarted fraudd restores instead of starting cards afresh.
  return snapshots_->for_each_card(
    [this](std::string_view card) { filter_->add(card); });
}

fraud::error scoring_service::open_cluster_state() {
  if (!cfg_.cluster.enabled)
    return {};
  // A connection of its own: a batch of thousands of snapshots must not
  // queue in front of the replies.
  nats_options no;
  no.url = nats_url_;
  no.auth = nats_auth_;
  no.name = cfg_.name + "-state";
  no.send_asap = false;
  no.reconnect_buffer_bytes = 1;  // nothing stale after a cut (README: Cluster)
  auto conn = nats_connection::connect(no);
  if (!conn)
    return with_context(conn.error(), "card state connection");
  state_conn_ = std::move(*conn);
  kv_snapshot_options ko;
  ko.bucket = cfg_.cluster.card_bucket;
  ko.replicas = cfg_.cluster.replicas;
  auto store = retry_while_cluster_starts("card bucket " + ko.bucket, [&] {
    return kv_snapshot_store::open(state_conn_->get(), ko);
  });
  if (!store)
    return store.error();
  kv_snapshots_ = std::move(*store);
  snapshot_writes_ = kv_snapshots_.get();
  snapshot_reader_ = kv_snapshots_.get();
  // No card filter: another instance may have written any card.
  return {};
}

void scoring_service::sweep_idle_cards() {
  // Only asks: each ingress thread sweeps its own cards between messages.
  std::unique_lock<std::mutex> guard{sweeper_mtx_};
  while (!sweeper_cv_.wait_for(guard, std::chrono::seconds(1),
                               [this] { return sweeper_stop_; }))
  {
    if (cfg_.idle_timeout_s > 0)
      for_each_ingress([](ingress& in) {
        in.cards().request_sweep(steady_ns());
      });
    if (entities_)
      entities_->sweep_idle(steady_ns());
  }
}

template <class Handle>
fraud::error scoring_service::flush(Handle& actor, const char* what) {
  fraud::error result;
  caf::scoped_actor self{*sys_};
  self->request(actor, std::chrono::seconds(60), actors::flush_atom::value)
    .receive([](std::uint64_t) {},
             [&](caf::error& err) {
               result = make_error(ec::store_error,
                                   std::string{"flushing "} + what + ": "
                                     + caf::to_string(err));
             });
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  actor = nullptr;
  return result;
}

std::chrono::milliseconds scoring_service::stop_budget() const {
  return std::chrono::milliseconds(cfg_.drain_timeout_ms) + in_flight_grace
         + 2 * final_flush  // decisions, card snapshots
         + 2 * std::chrono::milliseconds(nats_flush_ms)  // replies, stream
         + std::chrono::seconds(5);                       // margin
}

fraud::error scoring_service::stop() {
  if (stopped_)
    return fraud::error{};
  stopped_ = true;
  // /readyz says so from here on, while the HTTP listener stays up through
  // the drain.
  draining_.store(true);
  fraud::error result;
  if (sweeper_.joinable()) {
    {
      std::lock_guard<std::mutex> guard{sweeper_mtx_};
      sweeper_stop_ = true;
    }
    sweeper_cv_.notify_all();
    sweeper_.join();
  }
  // 0. In a cluster, hand every partition over: each is drained, its
  //    cards' state written, then its lease released for another instance.
  if (owner_)
    owner_->stop();
  owner_live_.store(nullptr);
  // 1. Stop intake: whatever NATS already delivered is still scored, as
  //    long as the drain timeout allows (one deadline for all
  //    subscriptions); then the rest is answered SHUTTING_DOWN.
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(cfg_.drain_timeout_ms);
  auto left_ms = [&deadline] {
    return static_cast<int>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(
           deadline - std::chrono::steady_clock::now())
           .count()));
  };
  for_each_ingress([&](ingress& in) {
    if (auto err = in.drain(left_ms()); err && !result)
      result = err;
  });
  // 2. Wait for the card actors to finish what was routed to them (at
  //    least a second more, should step 1 have used up the deadline).
  deadline = std::max(deadline, std::chrono::steady_clock::now()
                                  + in_flight_grace);
  auto answered = [this] {
    return stats_.decided() + stats_.duplicates.get() + stats_.refused.get();
  };
  while (answered() < stats_.routed.get()
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (answered() < stats_.routed.get() && !result)
    result = make_error(ec::timeout,
                        std::to_string(stats_.routed.get() - answered())
                          + " transactions still in flight at shutdown");
  // 3. Write every queued decision and card snapshot.
  if (sys_ && store_actor_)
    if (auto err = flush(store_actor_, "decisions"); err && !result)
      result = err;
  if (sys_ && snapshot_writer_)
    if (auto err = flush(snapshot_writer_, "card snapshots"); err && !result)
      result = err;
  // 4. Flush replies and publications, then take everything down in the
  //    reverse order of creation.
  http_.reset();
  feed_.reset();
  metrics_.reset();
  if (losses_) {
    losses_->tick();  // what the last period saw, before the final counts
    losses_.reset();
  }
  cluster_responder_.reset();
  outcomes_.reset();
  queries_.reset();
  queues_.reset();
  rules_responder_.reset();
  entity_exchange_.reset();  // publishes the last observations
  if (live_rules_)
    live_rules_->leave_cluster();  // its bucket watch, before conn_ goes
  if (live_model_)
    live_model_->leave_cluster();
  if (live_rates_)
    live_rates_->leave_cluster();
  if (conn_)
    conn_->flush(nats_flush_ms);
  if (stream_conn_)
    stream_conn_->flush(nats_flush_ms);
  {
    std::lock_guard<std::mutex> guard{ingresses_mtx_};
    ingresses_.clear();
  }
  owner_.reset();
  env_.decisions = nullptr;
  env_.decision_queue = nullptr;
  env_.pending = nullptr;
  env_.snapshot_reads = nullptr;
  env_.entities = nullptr;
  env_.outbox = nullptr;
  entities_.reset();  // stops every entity actor
  sys_.reset();
  entity_outbox_.reset();
  sink_.reset();
  stream_conn_.reset();
  conn_.reset();
  if (embedded_ && !credentials_dir_.empty())
    unregister_local_server(embedded_->port(), credentials_dir_);
  embedded_.reset();
  store_queue_.reset();
  decision_reads_.reset();
  store_.reset();
  live_rules_.reset();
  live_rates_.reset();
  live_model_.reset();
  pending_snapshots_.reset();
  snapshot_queue_.reset();
  snapshot_reader_ = nullptr;
  snapshot_writes_ = nullptr;
  snapshot_reads_.reset();
  snapshots_.reset();
  kv_snapshots_.reset();
  state_conn_.reset();
  state_lock_.reset();  // after every connection to the files is closed
  db_lock_.reset();
  return result;
}

} // namespace fraud::service
