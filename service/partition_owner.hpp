// This instance's share of the cluster's partitions, held by leases in a
// JetStream key-value bucket (README: Cluster). No consensus of our own:
// the bucket's compare-and-set and TTL, replicated by nats-server, are the
// whole protocol.
//
// Keys: "i.<instance>" announces a live instance (its value: the
// incarnation, "<instance>/<random>"); "p.<n>" is partition n's lease (its
// value: the owner's incarnation, its revision the fencing token). A
// lease is claimed with create (only if free), renewed with update on its
// last revision (compare-and-set: a renewal after someone else took the
// partition fails), released with a delete, and expires by the bucket's
// TTL when its owner stops renewing. Every instance watches the bucket:
// a released lease is claimed at once (planned handover in milliseconds),
// an expired one within a tick of its expiry (the watch does not report
// expiries; the last write's age does).
//
// Timing (why two instances never answer for one card): a renewal sent at
// t0 and accepted is stored after t0, so the lease cannot expire before
// t0 + TTL, and nobody else can claim it before. This instance stops
// answering the partition at t0 + 3/4 TTL: each ingress checks that
// deadline on every message (one atomic load), whatever the renewing
// thread is doing, and the renewing thread, which wakes for it and waits
// at most TTL/8 for any JetStream call, unsubscribes by t0 + 7/8 TTL at
// the latest. Others try to claim an unrenewed lease a TTL after they
// last saw it written, and the servers refuse until it has expired.
// Renewals go every TTL/4, so an owner that is merely slow gets two more
// tries before its deadline. They are sent together without waiting, each
// with its expected revision, and their answers are taken as they come:
// t0 is when a renewal was sent, whenever its answer arrives. (A
// server clock stepped forward could expire a lease early: run NTP slewed,
// as for any lease.)
//
// A claim is served only once the watch has shown it, unopposed, for a
// few milliseconds: nats-server 2.9.10 checks a write's expected revision
// on the stream leader before replicating it, not as it applies it
// (nats-io/nats-server#4320, fixed in 2.9.21), so two claims racing for a
// free key may both be acknowledged. Both are in the stream, in order; the
// watch delivers both, and the owner whose write is not the last one sees
// the other's and gives the partition up before serving it.
//
// The last write of a lease decides whose it is, and a write carrying this
// process's incarnation is this instance's, whether or not it was told:
// while the servers change leader an answer can be lost though the write
// was made, and nats-server 2.9.10 may make one write twice. Such a
// lease is claimed at once on that write (a compare-and-set) rather than
// left unserved until it expires, and renewals go on from the latest
// revision of ours. Whose a lease is, when a renewal is refused, is read
// from the stream's leader: a direct get may be answered by a server that
// has just come back and is behind.
//
// Thread-safe: one thread of its own acts; status() and the deadlines may
// be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nats/nats.h>

#include "models/error.hpp"
#include "service/kv_bucket.hpp"
#include "service/partition_plan.hpp"

namespace fraud::service {

struct partition_owner_options {
  std::string instance_id;
  int partitions = 64;
  std::chrono::milliseconds ttl{3000};
  int replicas = 3;
  std::string bucket = "fraud-leases";
};

/// What serving a partition means, provided by the service.
struct partition_callbacks {
  /// Start answering partition p (subscribe) until the steady clock (ns)
  /// passes *deadline, which the owner moves on with each renewal (0 once
  /// the lease is gone). Called after the lease is held. An error releases
  /// the lease again.
  std::function<fraud::error(int p, const std::atomic<std::int64_t>* deadline)>
    serve;
  /// Stop answering partition p. planned: finish what is in flight and
  /// write the cards' state before returning (the lease is released after);
  /// otherwise at once (the lease is lost or about to be).
  std::function<void(int p, bool planned)> stop_serving;
  /// Partition p is about to be handed over and is still served: write
  /// ahead what can be (its cards' state), so that stop_serving(p, true)
  /// has little left to write in the gap. Optional.
  std::function<void(int p)> before_handover;
};

/// One partition as this instance sees it, for fraud.query.cluster.
struct partition_status {
  int partition = 0;
  std::string owner;             // instance id, "" = free
  std::uint64_t revision = 0;    // of the last write seen
  std::int64_t age_ms = -1;      // since that write was seen (-1: never)
};

struct cluster_status {
  std::string instance;
  std::vector<std::pair<std::string, std::int64_t>> instances;  // id, age ms
  std::vector<partition_status> partitions;
  std::vector<int> owned;
  std::uint64_t claims = 0, releases = 0, renewals = 0,
                renewal_failures = 0, lost = 0;
};

class partition_owner {
public:
  static fraud::expected<std::unique_ptr<partition_owner>>
  start(natsConnection* conn, partition_owner_options opts,
        partition_callbacks callbacks);

  ~partition_owner();

  /// Planned leave: stops announcing, hands every partition over (stop
  /// serving, then release), and ends the thread. Idempotent.
  void stop();

  /// The steady-clock time (ns) after which partition p must not be
  /// answered: 0 when not owned. Any thread, lock-free.
  const std::atomic<std::int64_t>* deadline(int p) const {
    return &deadlines_[static_cast<std::size_t>(p)];
  }

  /// Live instances as this one sees them (itself included). Any thread.
  std::uint32_t live_instances() const { return live_.load(); }

  cluster_status status() const;

  const std::string& instance() const { return opts_.instance_id; }

private:
  struct lease {
    std::string owner;             // incarnation; "" = free
    std::uint64_t revision = 0;
    std::int64_t seen_ns = 0;      // steady time of the last write seen
    std::int64_t expires_ns = 0;   // another's lease: free from then on
    bool orphaned = false;         // freed by expiry, not handed over
    // Own leases only:
    bool own = false;
    bool serving = false;          // serve() called, stop_serving() not yet
    std::int64_t echo_ns = 0;      // our claim seen in the watch, unopposed
    std::int64_t renewed_sent_ns = 0;  // when the last accepted renewal was sent
    // A renewal in flight (sent without waiting; collect_writes()):
    std::int64_t renew_sent_ns = 0;    // 0: none
    std::uint64_t renew_last = 0;      // the revision it expects
    // A claim in flight (not own yet):
    std::int64_t claim_sent_ns = 0;    // 0: none
    std::uint64_t claim_last = 0;      // the revision it expects (0: none)
  };

  partition_owner(partition_owner_options opts, partition_callbacks cb);
  void run();
  void on_entry(kvEntry* e, std::int64_t now);
  void tick(std::int64_t now);
  void renew(int p);            // sent, not waited for
  void collect_writes();        // the answers to claims and renewals
  // Whose a lease is, read from the bucket when a renewal was refused.
  enum class key_verdict { ours, theirs, unknown };
  key_verdict key_says(int p, std::uint64_t refused_last);
  void await_writes(int p);     // until p's claim or renewal is answered
  int write_wait_ms() const;    // how long a write may go unanswered
  void check_deadlines();
  bool expire_views(std::int64_t now);  // true: a lease or instance went
  std::vector<std::string> live_incarnations() const;
  std::int64_t earliest_deadline() const;
  void claim(int p);
  void send_claim(int p, std::uint64_t last);
  void claimed(int p, std::uint64_t revision);  // the claim was written
  void claim_refused(int p);
  void serve_confirmed(std::int64_t now);
  void act_now(std::int64_t now);  // the plan, carried out
  bool may_act(std::int64_t now) const;
  void release(int p);
  void lose(int p, const char* why);
  void leave();
  fraud::error watch();
  std::int64_t margin_ns() const;
  std::string instance_of(const std::string& incarnation) const;

  const partition_owner_options opts_;
  const partition_callbacks cb_;
  std::string incarnation_;
  std::unique_ptr<kv_bucket> bucket_;        // writes: short waits
  std::unique_ptr<kv_bucket> watch_bucket_;  // the watch: a longer wait
  kvWatcher* watcher_ = nullptr;
  std::unique_ptr<std::atomic<std::int64_t>[]> deadlines_;
  std::atomic<std::uint32_t> live_{1};
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mtx_;  // guards what status() reads
  std::vector<lease> leases_;
  std::vector<std::pair<std::string, std::int64_t>> instances_;  // incarnation, seen_ns
  std::int64_t announced_ns_ = 0;
  std::int64_t last_own_echo_ns_ = 0;  // our announcement seen in the watch
  std::int64_t started_ns_ = 0;
  std::int64_t watch_started_ns_ = 0;
  bool initial_done_ = false;
  bool unanswered_release_ = false;  // a leave's release went unanswered
  cluster_status counts_;
};

/// "<hostname>-<pid>": the default instance id.
std::string default_instance_id();

} // namespace fraud::service
