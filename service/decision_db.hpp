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
#include "service/sqlite_connection.hpp"

namespace fraud::service {

class decision_db final : public actors::store_backend {
public:
  /// Opens or creates the database and migrates it to the current schema.
  static fraud::expected<std::unique_ptr<decision_db>>
  open(const std::string& path);

  fraud::expected<std::size_t>
  write(const std::vector<std::string_view>& decisions) override;
  fraud::expected<std::size_t> purge_before(std::int64_t ms) override;

  /// Rule name and how often it fired, most first. Thread-safe.
  std::vector<std::pair<std::string, std::uint64_t>> rule_hits() const;

  /// Cases opened since start (REVIEW decisions stored). Thread-safe.
  std::uint64_t cases_opened() const {
    return cases_opened_.load(std::memory_order_relaxed);
  }

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
  void post(std::int64_t kind, std::string_view rule, std::int64_t id);
  fraud::error write_postings_and_batch();
  fraud::error read_next_id();
  fraud::error open_case(const pending& p);

  std::unique_ptr<sqlite_connection> db_;
  std::array<sqlite_statement, max_rows_per_insert> insert_rows_;  // by rows - 1
  sqlite_statement stored_ids_;  // ids of a range that were stored
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
  std::vector<bool> inserted_;
  std::uint64_t batch_cases_ = 0;
  std::atomic<std::uint64_t> cases_opened_{0};
  std::map<std::string, std::uint64_t, std::less<>> batch_hits_;  // the writer's own
  mutable std::mutex hits_mtx_;
  std::map<std::string, std::uint64_t> hits_;
};

} // namespace fraud::service
