// The decisions' keys (schema 10, issue 18): instead of a B-tree index on
// decisions.tx_id and one on card_id (a random page dirtied by every
// decision), each written batch appends its (key hash, decision id) pairs,
// sorted, as a *run* of blocks of about a page (decision_key_runs,
// decision_key_blocks); runs are merged in the background, a bounded step
// after each batch (service/key_merge.hpp). A key is found by one block
// per run; its text is compared on the decision's row, so a hash collision
// costs a row read, never a wrong answer.
//
// Every pair is in exactly one block at any commit: a merge moves pairs
// from its sources' first blocks into its target in one transaction, so a
// reader (or a writer reopened after kill -9) sees every key once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/error.hpp"
#include "service/decision_page.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

/// The 64-bit key of a tx_id or card_id text. Stable: it is stored.
std::int64_t default_key_hash(std::string_view text);

/// A key hash, injectable for tests that need a collision.
using key_hash_fn = std::int64_t (*)(std::string_view);

/// What a run indexes.
inline constexpr std::int64_t key_kind_tx = 1;
inline constexpr std::int64_t key_kind_card = 2;

struct key_pair {
  std::int64_t key = 0;
  std::int64_t id = 0;
  bool operator<(const key_pair& o) const {
    return key != o.key ? key < o.key : id < o.id;
  }
};

/// Pairs in a block: 16 bytes each, so a block of 3,840 bytes fits in a
/// 4 KiB page without overflow.
inline constexpr std::size_t pairs_per_block = 240;

/// A block's pairs, as stored (host byte order: the file is not moved
/// across architectures).
void encode_pairs(const key_pair* p, std::size_t n, std::string& out);
std::size_t pairs_in(std::string_view blob);
key_pair pair_at(std::string_view blob, std::size_t i);

/// One snapshot for the reads of its lifetime on `db`, unless a
/// transaction is open already: a merge that commits between reading the
/// runs and reading their blocks would otherwise hide the pairs it moved.
class read_snapshot {
public:
  explicit read_snapshot(sqlite_connection& db);
  ~read_snapshot();
  read_snapshot(const read_snapshot&) = delete;
  read_snapshot& operator=(const read_snapshot&) = delete;

private:
  sqlite_connection* db_ = nullptr;  // when this began a transaction
};

/// Finds keys in the runs, for one connection. Not thread-safe. Its
/// lookups read in one snapshot (read_snapshot).
class key_finder {
public:
  static fraud::expected<key_finder> open(sqlite_connection& db);

  /// Appends to `ids` the ids paired with `key` in the runs of `kind`
  /// with an id below `below` (in no order).
  fraud::error ids_of(std::int64_t kind, std::int64_t key,
                      std::vector<std::int64_t>& ids,
                      std::int64_t below = INT64_MAX);

  /// The id of the decision of tx_id, 0 when none (a collision resolved by
  /// the text on the row); with `payload`, its payload too.
  fraud::expected<std::int64_t> tx(std::string_view tx_id, key_hash_fn hash,
                                   std::string* payload = nullptr);

  /// Runs of `kind` newest first: (run, max_id).
  fraud::error runs(std::int64_t kind,
                    std::vector<std::pair<std::int64_t, std::int64_t>>& out);

  /// Ids of `key` in one run, below `below`.
  fraud::error ids_in_run(std::int64_t run, std::int64_t key,
                          std::vector<std::int64_t>& ids, std::int64_t below);

private:
  key_finder() = default;
  sqlite_connection* db_ = nullptr;
  sqlite_statement runs_;
  sqlite_statement blocks_;
  sqlite_statement row_;
  std::vector<std::pair<std::int64_t, std::int64_t>> run_list_;
  std::vector<std::int64_t> ids_;
};

/// A card's decisions newest first, for read_decision_page: the card's ids
/// from the runs (newest runs first), each decision read by its primary key
/// through the caller's statement, whose filter must test the card's text
/// (`d.card_id = :card`: a hash collision is another card).
class key_rows final : public decision_rows {
public:
  /// Ids in [min_id, cursor) (`cursor` 0: no bound); `decision` selects
  /// (id, payload) of the row whose id is bound to `:id`.
  static fraud::expected<key_rows>
  open(sqlite_connection& db, std::string_view card_id, std::int64_t min_id,
       std::int64_t cursor, sqlite_statement& decision);

  int step() override;
  std::int64_t id() override;
  std::string_view payload() override;

private:
  key_rows(key_finder finder, std::int64_t key, sqlite_statement& decision,
           std::int64_t min_id, std::int64_t cursor);
  /// Fills ready_ with ids that no run left to read can top.
  fraud::error refill();

  key_finder finder_;
  std::int64_t key_;
  sqlite_statement* decision_;
  int decision_id_param_;
  std::int64_t min_id_;
  std::int64_t cursor_;
  std::vector<std::pair<std::int64_t, std::int64_t>> runs_;  // newest first
  std::size_t next_run_ = 0;
  std::vector<std::int64_t> found_;  // read, ascending once sorted
};

/// Registers decision_id_of(tx_id) on `db`: the id of tx_id's decision, or
/// NULL. For SQL that joined decisions on tx_id (outcomes, labels).
fraud::error register_decision_id_of(sqlite_connection& db);

} // namespace fraud::service
