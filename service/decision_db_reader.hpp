// The read side of the decision store: what queries ask of SQLite. Uses
// its own read-only connection (WAL lets it read while the store writes).
// Not thread-safe: one instance per querying thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/decision_reads.hpp"
#include "models/decision.hpp"
#include "models/error.hpp"
#include "service/decision_page.hpp"
#include "service/key_runs.hpp"
#include "service/per_thread.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

struct decision_filter {
  std::optional<models::action> action;
  std::string card_id;
  std::int64_t since_ms = 0;  // decided_at_ms >= since_ms
  std::int64_t until_ms = 0;  // decided_at_ms < until_ms; 0 = no bound
  std::string rule;           // a rule that fired
  std::int64_t cursor = 0;    // rows older than this id; 0 = the newest
  page_bounds bounds;         // limit, bytes and steps of the page
};

class decision_db_reader {
public:
  static fraud::expected<std::unique_ptr<decision_db_reader>>
  open(const std::string& path);

  /// The encoded decision of tx_id, or "" when there is none.
  fraud::expected<std::string> by_tx(const std::string& tx_id);

  fraud::expected<decision_page> search(const decision_filter& f);

private:
  decision_db_reader() = default;
  std::unique_ptr<sqlite_connection> db_;
  std::unique_ptr<key_finder> keys_;  // tx_ids through the runs (schema 10)
};

/// First decisions of re-sent transactions, for card actors on any thread:
/// a read connection per calling thread (see per_thread), so a look-up
/// waits for neither another card nor the writer, nor the store's queue.
class decision_read_pool final : public actors::decision_reads {
public:
  explicit decision_read_pool(std::string path);

  fraud::expected<std::string> find(const std::string& tx_id) override;

private:
  per_thread<decision_db_reader> readers_;
};

} // namespace fraud::service
