// The cluster's rules and lists in a JetStream key-value bucket: the one
// source of truth every fraudd in cluster mode runs (issue 14). live_rules
// makes its changes here and applies what its watcher sees here, its own
// changes included; each instance's SQLite (rules_db) is a copy, kept so
// that history is answered locally and survives the bucket.
//
// The keys, and why each has the shape it has:
//   rules.current        what runs: the running version's whole record
//                        (number, text, who/when), how it came to run
//                        (set, rollback, start), the highest number given
//                        out, and the last requests made. One key, so one
//                        compare-and-set decides both the number and what
//                        runs: two changes through two instances cannot
//                        both take rules-N; the loser reads the new state
//                        and tries again as rules-(N+1). A rule text is at
//                        most --rules-max-bytes (256 KiB), well within the
//                        server's max_payload (1 MiB).
//   rules.version.<N>    every version ever run, written once (create) by
//                        whichever instance applies it first: a rollback
//                        finds the text, and an instance that joins later
//                        fills its history from these.
//   lists.change.<id>.<k> the lists as a log of changes (add or remove these
//                        values), applied by every instance in the
//                        stream's order, which is the same everywhere: two
//                        changes through two instances both win, in one
//                        order, and the same on all. A list of 100,000
//                        values does not fit one value; a change does (it
//                        came in one NATS message), but its JSON can be
//                        larger, so a change is cut into parts of at most
//                        max_entry_bytes (k = 0..parts-1). <id> is the
//                        request's nonce: the same signed change delivered
//                        to every instance is written once (create on part
//                        0). The log is never compacted: it holds every
//                        change ever made (rare, made by people).
// Values are JSON, readable with `nats kv get`.
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

/// The value of rules.current.
struct bucket_rules {
  bucket_version running;
  std::string kind;     // "set", "rollback", "start"
  signature activated;  // who made it run, and when
  std::uint64_t last_version = 0;  // the highest number given out
  /// Requests already made (request id, version), oldest first; at most
  /// max_recent.
  std::vector<std::pair<std::string, std::uint64_t>> recent;

  static constexpr std::size_t max_recent = 64;
  /// The version `request` made, or 0.
  std::uint64_t made_by(const std::string& request) const;
  void remember(const std::string& request, std::uint64_t version);
};

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

/// What the watcher delivers: a key's new value and its revision.
struct bucket_entry {
  std::uint64_t revision = 0;
  std::variant<bucket_rules, bucket_version, bucket_list_change> value;
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
  static fraud::expected<std::unique_ptr<rules_bucket>>
  open(natsConnection* conn, const kv_bucket_options& opts);

  ~rules_bucket();  // stops the watcher

  /// rules.current and its revision; nothing when the bucket has none.
  fraud::expected<std::optional<std::pair<bucket_rules, std::uint64_t>>>
  current() const;
  /// Writes rules.current if it has no value (seeding): its revision, or
  /// kv_taken() when another instance was first.
  fraud::expected<std::uint64_t> create(const bucket_rules& r);
  /// Compare-and-set on rules.current: kv_taken() when it changed since
  /// revision `last`.
  fraud::expected<std::uint64_t> update(const bucket_rules& r,
                                        std::uint64_t last);

  /// rules.version.<N>, or nothing.
  fraud::expected<std::optional<bucket_version>>
  version(std::uint64_t n) const;
  /// Writes rules.version.<N> unless it is there (then nothing to do).
  fraud::error keep(const bucket_version& v);

  /// Writes one part of a list change: its revision, or kv_taken() when
  /// that part was written already (the same request, via another
  /// instance).
  fraud::expected<std::uint64_t> append(const bucket_list_change& part);

  /// Starts watching every key; replay() then returns what the bucket
  /// holds now (each key's last value, in revision order), and follow()
  /// everything written after, on a thread of its own, until stop().
  fraud::error watch();
  fraud::expected<std::vector<bucket_entry>> replay();
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

  std::unique_ptr<kv_bucket> kv_;
  int timeout_ms_ = 5000;
  kvWatcher* watcher_ = nullptr;
  std::thread follower_;
  std::atomic<bool> stopping_{false};
};

} // namespace fraud::service
