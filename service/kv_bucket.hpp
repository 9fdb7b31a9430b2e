// A JetStream key-value bucket, owned: the JetStream context and the
// bucket handle of nats.c 3.4.1, created when missing and bound when not,
// with the calls the cluster is made of (leases, card snapshots, the rules'
// source of truth) returning fraud::error instead of natsStatus.
//
// Thread-safe as nats.c's kvStore is: any thread may call any member. The
// connection must outlive the bucket.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nats/nats.h>

#include "actors/runtime/log.hpp"
#include "models/error.hpp"

namespace fraud::service {

struct kv_bucket_options {
  std::string name;
  int replicas = 1;          // 3 on a three-server cluster
  std::int64_t ttl_ms = 0;   // the whole bucket's: entries older expire; 0 = never
  int history = 1;           // revisions kept per key
  std::int64_t max_bytes = -1;
  int timeout_ms = 5000;     // each call's wait for JetStream (a quorum)
};

/// A key's value and its revision (the bucket's sequence number of the
/// write that made it: the fencing token of a lease).
struct kv_value {
  std::string value;
  std::uint64_t revision = 0;
};

/// The outcome of an update_async(): the key, the revision it expected,
/// and the revision written or why not (kv_taken() when refused for the
/// revision).
struct kv_async_result {
  std::string key;
  std::uint64_t last = 0;
  std::uint64_t revision = 0;  // 0 with error set
  fraud::error error;
};

class kv_bucket {
public:
  /// Binds to the bucket, creating it with `opts` when it does not exist.
  /// A bucket that exists keeps its own settings (nats-server 2.9 cannot
  /// change a stream's replicas or TTL in place).
  static fraud::expected<std::unique_ptr<kv_bucket>>
  open(natsConnection* conn, const kv_bucket_options& opts);

  ~kv_bucket();
  kv_bucket(const kv_bucket&) = delete;
  kv_bucket& operator=(const kv_bucket&) = delete;

  /// The key's value; not_found when it has none (never written, deleted
  /// or expired).
  fraud::expected<kv_value> get(const std::string& key) const;

  /// get() as the stream's leader has it. get() may be answered by any
  /// server holding the bucket (a direct get), and a server that has just
  /// come back answers from behind; this asks the leader, which has every
  /// write it acknowledged. For deciding whose a lease is.
  fraud::expected<kv_value> get_latest(const std::string& key) const;

  /// Writes the key only if it has no value: the revision written, or
  /// kv_taken() when it has one.
  fraud::expected<std::uint64_t> create(const std::string& key,
                                        std::string_view value);

  /// Writes the key only if its last revision is `last`: a compare-and-set.
  /// kv_taken() when someone wrote it since.
  fraud::expected<std::uint64_t> update(const std::string& key,
                                        std::string_view value,
                                        std::uint64_t last);

  /// Writes the key whatever it held.
  fraud::expected<std::uint64_t> put(const std::string& key,
                                     std::string_view value);

  /// Deletes the key (a delete marker, as nats.c does).
  fraud::error erase(const std::string& key);

  /// update() without waiting for JetStream (`last` 0: create() without
  /// waiting): the compare-and-set is sent now, and its outcome is
  /// collected by take_async_results() once JetStream answered, or after
  /// `max_wait_ms` (a timeout). For writes that must not hold their caller
  /// up one round trip each (lease claims and renewals). An error here:
  /// not sent.
  fraud::error update_async(const std::string& key, std::string_view value,
                            std::uint64_t last, int max_wait_ms);

  /// The outcomes of update_async() that came in since the last call,
  /// oldest first. Any thread.
  std::vector<kv_async_result> take_async_results();

  const std::string& name() const { return name_; }
  kvStore* get() const { return kv_; }
  jsCtx* jetstream() const { return js_; }

private:
  kv_bucket() = default;
  // The key's last entry as the stream's leader has it: a value, or a
  // delete or purge marker (`gone`), with its revision.
  struct last_entry {
    kv_value value;
    bool gone = false;
  };
  fraud::expected<last_entry> last_of(const std::string& key) const;
  static void on_async_ack(jsCtx*, natsMsg* msg, jsPubAck* pa,
                           jsPubAckErr* pae, void* closure);

  std::string name_;
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;
  // update_async(): a context of its own (its ack handler), made on first
  // use; the handler runs on nats.c's thread and only appends here.
  std::mutex async_mtx_;    // making async_
  jsCtx* async_ = nullptr;
  bool async_sent_ = false;
  std::mutex results_mtx_;  // async_results_
  std::vector<kv_async_result> async_results_;
};

/// True for the error create() and update() return when the key was
/// written by someone else ("wrong last sequence"), as against JetStream
/// being unavailable (a timeout, no responders).
bool kv_taken(const fraud::error& e);

/// Calls `attempt` (returning fraud::expected<T>) until it succeeds, for
/// up to `patience`: a cluster that has just started refuses to create a
/// replicated bucket, or to write to one, until its servers have elected a
/// leader (a few seconds; longer on a loaded machine), and several
/// instances starting together race to create the same bucket. `what`
/// names it in the log and the error; an error `final` says is final ends
/// it at once.
template <class Attempt>
auto retry_while_cluster_starts(
  const std::string& what, Attempt attempt,
  const std::function<bool(const fraud::error&)>& final = {},
  std::chrono::milliseconds pause = std::chrono::milliseconds(500),
  std::chrono::milliseconds patience = std::chrono::seconds(30))
  -> decltype(attempt()) {
  const auto until = std::chrono::steady_clock::now() + patience;
  for (;;) {
    auto result = attempt();
    if (result)
      return result;
    if ((final && final(result.error()))
        || std::chrono::steady_clock::now() >= until)
      return with_context(result.error(), what);
    FRAUD_LOG_LIMITED(6, warn, "cluster", "{}: {}; trying again", what,
                      to_string(result.error()));
    std::this_thread::sleep_for(pause);
  }
}

/// Whether `key` is a valid key-value key: non-empty, letters, digits and
/// "-_=/." with no empty token (nats.c checks the same before writing).
bool valid_kv_key(std::string_view key);

} // namespace fraud::service
