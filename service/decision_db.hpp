// The decision store's backend over SQLite: the write side, used only by
// the store actor's thread. Also counts rule hits as decisions are stored,
// and opens a case for each REVIEW decision in the same transaction.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "actors/store_backend.hpp"
#include "models/decision.hpp"
#include "protocol/decision_keys.hpp"
#include "service/key_bloom.hpp"
#include "service/key_merge.hpp"
#include "service/key_runs.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

struct decision_db_options {
  /// The keys' hash: stored, so every reader must use the same; another
  /// only in tests that need a collision.
  key_hash_fn key_hash = default_key_hash;
  /// A merge step's work after each batch, in blocks of keys written (of
  /// each kind): 256 blocks of each kind took 8-19 ms here with 1M-10M
  /// stored. Bounds how long a batch can take beyond its own rows; merges
  /// keep up as long as it is above a batch's blocks times the tiers.
  std::size_t merge_blocks = 256;
};

class decision_db final : public actors::store_backend {
public:
  /// Opens or creates the database and migrates it to the current schema.
  static fraud::expected<std::unique_ptr<decision_db>>
  open(const std::string& path, decision_db_options options = {});

  fraud::expected<std::size_t>
  write(const std::vector<std::string_view>& decisions) override;
  fraud::expected<std::size_t> purge_before(std::int64_t ms) override;

  /// Rule name and how often it fired, most first. Thread-safe.
  std::vector<std::pair<std::string, std::uint64_t>> rule_hits() const;

  /// Cases opened since start (REVIEW decisions stored). Thread-safe.
  std::uint64_t cases_opened() const {
    return cases_opened_.load(std::memory_order_relaxed);
  }

  /// Merges of key runs under way or due (the store's thread only).
  fraud::expected<std::size_t> merges_left() { return merger_->merges_left(); }

  /// The longest merge step after a batch so far, in seconds, and the
  /// blocks of keys merges wrote (the store's thread only; for benches).
  double longest_merge_step() const { return longest_merge_step_; }
  std::uint64_t merged_blocks() const { return merged_blocks_; }

  /// Runs merge steps until no merge is left or `steps` were run, each in
  /// its transaction, as after a batch (the store's thread only).
  fraud::error merge_keys(std::size_t steps);

private:
  decision_db() = default;
  // One row per rule per batch (schema 9): the ids it fired on.
  struct posting {
    std::int64_t first_id = 0;
    std::int64_t last_id = 0;
    std::string ids;  // a JSON array
  };
  using posting_key = std::pair<std::int64_t, std::string>;  // kind, rule

  // A decision of the batch being written, decoded.
  struct pending {
    protocol::decision_keys keys;  // views into payload
    std::string_view payload;
    std::string rules;  // the fired rules' names, space-separated
  };
  static constexpr std::size_t max_rows_per_insert = 32;

  fraud::error decode(std::string_view payload, pending& p);
  fraud::error insert_rows(std::size_t from, std::size_t rows,
                           std::size_t& added);
  fraud::error index(const pending& p, std::int64_t id);
  /// accepted_: the decisions of the batch whose tx_id was not stored
  /// before, nor earlier in the batch.
  fraud::error choose_new(std::size_t count);
  fraud::error write_keys();
  fraud::expected<std::size_t> merge_step();
  fraud::error load_bloom();
  void post(std::int64_t kind, std::string_view rule, std::int64_t id);
  fraud::error write_postings_and_batch();
  fraud::error read_next_id();
  fraud::error open_case(const pending& p);

  std::unique_ptr<sqlite_connection> db_;
  std::array<sqlite_statement, max_rows_per_insert> insert_rows_;  // by rows - 1
  decision_db_options options_;
  std::unique_ptr<key_finder> keys_;
  std::unique_ptr<key_merger> merger_;
  key_bloom stored_tx_;  // every tx_id key stored (and some purged)
  std::int64_t floor_id_ = 0;  // ids below are purged
  double longest_merge_step_ = 0;
  std::uint64_t merged_blocks_ = 0;
  std::vector<key_pair> tx_pairs_, card_pairs_;  // the batch's
  std::vector<key_pair> batch_keys_;  // (tx_id key, pending index)
  std::vector<std::size_t> accepted_;  // pending indices to store
  sqlite_statement insert_posting_;
  sqlite_statement insert_batch_;
  sqlite_statement insert_case_;  // a REVIEW decision's case
  sqlite_statement purge_;
  sqlite_statement purge_postings_;
  sqlite_statement purge_batches_;
  // Ids are given here, in arrival order, and never reused; the batch's
  // bounds go to decision_batches (service/decision_schema.cpp, version 9).
  std::int64_t next_id_ = 1;
  std::int64_t upto_ms_ = 0;      // the largest decided_at_ms stored
  std::int64_t batch_first_id_ = 0;
  std::int64_t batch_min_ms_ = 0;
  std::map<posting_key, posting> batch_postings_;
  std::vector<pending> pending_;  // kept: its strings keep their capacity
  std::uint64_t batch_cases_ = 0;
  std::atomic<std::uint64_t> cases_opened_{0};
  std::map<std::string, std::uint64_t, std::less<>> batch_hits_;  // the writer's own
  mutable std::mutex hits_mtx_;
  std::map<std::string, std::uint64_t> hits_;
};

} // namespace fraud::service
