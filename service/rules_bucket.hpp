// The cluster's rules and lists in a JetStream key-value bucket: the one
// source of truth every fraudd in cluster mode runs (issue 14). live_rules
// makes its changes here and applies what its watcher sees here, its own
// changes included; each instance's SQLite (rules_db) is a copy, kept so
// that history is answered locally.
//
// Why a log, not compare-and-set: nats-server 2.9.10 does not serialise
// concurrent writes that expect a key's last revision on a replicated
// stream (the check is made before the write is replicated, not in it:
// nats-io/nats-server#4320, fixed in 2.9.21); tests/service/
// rules_cluster_test.cpp saw two concurrent updates of one revision both
// succeed. What the stream does order, on every server and for every
// watcher, is its entries. So each change is a new key (never
// overwritten, so that a replay sees exactly what watchers saw), and every
// instance folds the entries in stream order with the same deterministic
// rule (fold() below): a change made on the state it read is accepted, a
// change made on a state that another change replaced since is refused,
// on every instance alike. That is compare-and-set, decided by the order.
//
// The keys:
//   rules.change.<request>.<write>  a rules change: set (a text, numbered
//                        on acceptance: last + 1, so rules-N is one text
//                        everywhere), rollback (a version again), start
//                        (the first instance's seed), floor (numbers an
//                        instance used before it joined are not given
//                        again). `base` is the last number the writer saw.
//                        A text is at most --rules-max-bytes (256 KiB),
//                        within the server's max_payload (1 MiB).
//   lists.change.<id>.<k> the lists as a log of changes (add or remove these
//                        values), applied by every instance in stream
//                        order; two changes through two instances both
//                        win, in one order. A list of 100,000 values does
//                        not fit one value, and a change's JSON can be
//                        larger than the message it came in, so a change
//                        is cut into parts of at most max_entry_bytes
//                        (k = 0..parts-1). <id> is the request's nonce:
//                        the same signed change delivered to every
//                        instance is written once (create on part 0; on
//                        2.9.10 rarely twice, which is harmless: the same
//                        values, the same operation, at the later place).
//   model.change.<request>.<write>  the trained model's log
//                        (service/live_model.hpp), folded like the rules'
//                        by a rules_bucket opened for the "model" log:
//                        the same entries, numbered model-N, without the
//                        text, which is too large for one value
//   model.text.<request>.<k>.<n>  the text of the model a set or start
//                        names: part k of n, at most max_entry_bytes of
//                        the model's JSON each, raw; written (created)
//                        before the change, so every watcher has the
//                        parts when it folds it.
// The logs are never compacted: changes are made by people, rarely.
// Values are JSON, readable with `nats kv get`, but for the text parts.
//
// Thread-safe for calls; the watcher (watch, replay, follow, stop) is
// driven by one owner. The connection must outlive this.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <nats/nats.h>

#include "models/error.hpp"
#include "service/kv_bucket.hpp"
#include "service/rules_db.hpp"

namespace fraud::service {

/// A rule version as the cluster keeps it.
struct bucket_version {
  std::uint64_t version = 0;
  std::string text;
  std::uint32_t rules = 0;
  signature who;
};

/// The rules every instance runs: the fold of the rules log.
struct bucket_rules {
  bucket_version running;
  std::string kind;     // "set", "rollback", "start"
  signature activated;  // who made it run, and when
  std::uint64_t last_version = 0;  // the highest number given out; 0: empty
  /// Requests already made (request id, version), oldest first; at most
  /// max_recent.
  std::vector<std::pair<std::string, std::uint64_t>> recent;

  static constexpr std::size_t max_recent = 64;
  /// The version `request` made, or 0.
  std::uint64_t made_by(const std::string& request) const;
  void remember(const std::string& request, std::uint64_t version);
};

/// One entry of the rules log.
struct bucket_rules_change {
  std::string request;       // the request's id
  std::uint64_t base = 0;    // the last_version it was made on
  std::string kind;          // "set", "rollback", "start", "floor"
  bucket_version version;    // set: numbered when accepted
  signature activated;
  std::uint64_t floor = 0;   // last_version is at least this after it
};

/// What fold() made of a change.
struct fold_result {
  std::uint64_t version = 0;  // the version this request runs; 0: refused
  bool changed = false;       // what runs (or how) changed
};

/// Applies `c` to `state` by the rule every instance applies in the same
/// order: a request already made is not made again (its version is
/// answered); a change on another base than state.last_version is
/// refused.
fold_result fold(bucket_rules& state, const bucket_rules_change& c);

/// One part of a list change.
struct bucket_list_change {
  std::string id;  // the request's; valid in a key
  std::uint32_t part = 0;
  std::uint32_t parts = 1;
  std::string list;
  bool add = true;
  std::vector<std::string> values;
  signature who;
};

/// One part of a text kept beside a change (the model's).
struct bucket_text_part {
  std::string id;  // the request whose change names it
  std::uint32_t part = 0;
  std::uint32_t parts = 1;
  std::string bytes;
};

/// What the watcher delivers: a key's new value and its revision.
struct bucket_entry {
  std::uint64_t revision = 0;
  std::variant<bucket_rules_change, bucket_list_change, bucket_text_part>
    value;
};

/// A change's parts, each at most max_entry_bytes of JSON.
std::vector<bucket_list_change> split(const bucket_list_change& whole);

inline constexpr std::size_t max_entry_bytes = 256 << 10;

/// A fresh random request id (32 hex digits), for a change without one.
std::string random_request_id();

/// Whether `id` can name a request in a key (a nonce: [A-Za-z0-9_-]{1,64}).
bool valid_request_id(const std::string& id);

class rules_bucket {
public:
  /// The bucket, for the log named `log`: "rules" (the rules and the
  /// lists) or "model" (the model and its texts). The watcher delivers
  /// that log's entries only.
  static fraud::expected<std::unique_ptr<rules_bucket>>
  open(natsConnection* conn, const kv_bucket_options& opts,
       const std::string& log = "rules");

  ~rules_bucket();  // stops the watcher

  /// Appends a change to the rules log: its revision. Whether it was
  /// accepted is fold()'s to say, when the watcher delivers it.
  fraud::expected<std::uint64_t> propose(const bucket_rules_change& c);

  /// Writes the text a change of request `id` names, in parts (created:
  /// the same request through another instance wrote the same parts).
  fraud::error put_text(const std::string& id, std::string_view text);

  /// Writes one part of a list change: its revision, or kv_taken() when
  /// that part was written already (the same request, via another
  /// instance).
  fraud::expected<std::uint64_t> append(const bucket_list_change& part);

  /// Starts watching every key; replay() then returns what the bucket
  /// holds now (each key's last value, in revision order), and follow()
  /// everything written after, on a thread of its own, until stop().
  fraud::error watch();
  fraud::expected<std::vector<bucket_entry>> replay();
  /// The next entry after replay(), before follow(): nothing when none
  /// came within `timeout_ms`.
  fraud::expected<std::optional<bucket_entry>> poll(std::int64_t timeout_ms);
  void follow(std::function<void(bucket_entry)> apply);
  /// Ends the watcher thread (joins it); idempotent.
  void stop();

  const std::string& name() const { return kv_->name(); }

private:
  rules_bucket() = default;
  // The next entry, or nothing: for the end of the initial values (then
  // `initial_done`), or for a value that is not ours or cannot be read
  // (logged). A wait that ends without one is a TIMEOUT error.
  fraud::expected<std::optional<bucket_entry>> next(std::int64_t timeout_ms,
                                                    bool& initial_done);

  // The value of `key` decoded: not_found for a key that is not of this
  // log, an error naming the key for a value this fraudd cannot read.
  fraud::expected<decltype(bucket_entry::value)>
  decode(std::string_view key, std::string_view value) const;

  std::unique_ptr<kv_bucket> kv_;
  std::string log_ = "rules";
  int timeout_ms_ = 5000;
  kvWatcher* watcher_ = nullptr;
  std::thread follower_;
  std::atomic<bool> stopping_{false};
};

} // namespace fraud::service
