// Card snapshots in a replicated JetStream key-value bucket: the cluster's
// snapshot backend (issue 14), beside snapshot_db's SQLite file. One key
// per card, history 1, no TTL, R3 on three servers: when an instance dies,
// the instance that takes its partitions reads each card's last state from
// the bucket as the card activates, through any server.
//
// Writes (the snapshot writer's thread only): a batch is published
// asynchronously to $KV.<bucket>.<key>, then all its acknowledgements are
// awaited together (write_timeout_ms). One synchronous put per card would
// cost a round trip each (~200+ us here); the batch costs about one.
// Failures (no JetStream, timeouts, refused writes) come back as one error
// naming how many failed: the writer keeps the whole batch pending and
// counts snapshot_errors, as with SQLite.
//
// Reads (any thread, at once): one get from the bucket's stream leader
// each (kv_bucket::get_latest, $JS.API.STREAM.MSG.GET); a card with no
// snapshot reads "", an unreachable JetStream is an error after
// read_timeout_ms (the card then starts with no history and the error is
// counted). Not the bucket's direct gets: those may be answered by any
// replica, which can lag its leader by the last few milliseconds of
// writes, and a planned handover (20-50 ms) activates a card on its new
// instance right after the old one wrote its state (seen as a stale read
// after an erase in kv_snapshots.write_read_erase_and_list, 1 run in ~20).
//
// Keys: a card id that is a valid key-value key is its own key (readable
// with `nats kv get`); any other (characters a key refuses, such as '#',
// '+', ':', '@', non-ASCII bytes) and any id starting with '=' is stored
// as '=' + base64url(id), so that for_each_card gives the real id back.
//
// The card filter in cluster mode: none (card_environment::filter =
// nullptr), so that every activation reads the bucket. Another instance
// may have written any card this one never saw, and listing a bucket of
// millions of keys at start (kvStore_Keys streams every key through a
// consumer) would take minutes and be stale at once. The price: a card
// seen for the first time anywhere costs one read that finds nothing
// (about a read's round trip) before its first decision. for_each_card
// works, for tools and tests, but fraudd should not call it at start.
//
// The connection must outlive the store. Give the store a connection of
// its own (not the one replies go out on): a batch of thousands of
// snapshots queued in front of a reply would delay it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nats/nats.h>

#include "actors/snapshot_backend.hpp"
#include "service/kv_bucket.hpp"

namespace fraud::service {

struct kv_snapshot_options {
  std::string bucket = "fraud-cards";  // cfg.cluster.card_bucket
  int replicas = 3;                    // cfg.cluster.replicas
  int read_timeout_ms = 2000;    // a read (and an erase) waits this long
  int write_timeout_ms = 10000;  // a batch waits this long for its acks
  int list_timeout_ms = 60000;   // for_each_card's wait for every key
  std::int64_t max_pending = 8192;  // async publishes in flight at once
};

class kv_snapshot_store final : public actors::snapshot_backend {
public:
  /// Binds to the bucket, creating it when missing (replicas, history 1,
  /// no TTL). The connection must outlive the store.
  static fraud::expected<std::unique_ptr<kv_snapshot_store>>
  open(natsConnection* conn, const kv_snapshot_options& opts);

  ~kv_snapshot_store() override;
  kv_snapshot_store(const kv_snapshot_store&) = delete;
  kv_snapshot_store& operator=(const kv_snapshot_store&) = delete;

  /// Not thread-safe: the snapshot writer's thread only.
  fraud::error
  write(const std::vector<std::pair<std::string_view, std::string_view>>&
          snapshots) override;
  /// Thread-safe.
  fraud::expected<std::string> read(const std::string& card_id) override;
  /// Thread-safe.
  fraud::error erase(const std::string& card_id) override;
  /// Thread-safe; streams every key of the bucket through a watcher
  /// (slow on a big bucket), within list_timeout_ms.
  fraud::error
  for_each_card(const std::function<void(std::string_view)>& f) override;

  /// The bucket's key for a card id, and back (not_found for a key that
  /// no card id maps to).
  static std::string key_of(std::string_view card_id);
  static fraud::expected<std::string> card_of(std::string_view key);

  const std::string& bucket() const { return bucket_->name(); }

private:
  kv_snapshot_store() = default;
  static void on_publish_error(jsCtx*, jsPubAckErr* pae, void* closure);

  std::unique_ptr<kv_bucket> bucket_;
  jsCtx* async_ = nullptr;  // the writer's, with its own error handler
  bool published_ = false;
  std::string subject_prefix_;  // "$KV.<bucket>."
  int write_timeout_ms_ = 0;
  int list_timeout_ms_ = 0;
  // Set by nats.c's thread in on_publish_error, read after each batch.
  std::atomic<std::size_t> publish_errors_{0};
  std::mutex first_error_mtx_;
  std::string first_error_;
};

} // namespace fraud::service
