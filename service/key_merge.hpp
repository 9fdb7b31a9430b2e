// Merging the runs of decision keys (schema 10, service/key_runs.hpp) in
// tiers: `fanout` runs of a tier become one of the next. A merge is done
// in bounded steps, one after each written batch and in its transaction,
// so that the writer never stalls for a whole merge: a step writes at most
// a given number of blocks into the merge's target and takes what it wrote
// out of its sources' first blocks (deleting the blocks it emptied,
// rewriting the one it started). So every pair is in one block at every
// commit, and a merge interrupted by a crash goes on from the last commit
// (the target is the run of `state` 1, its sources name it in
// merging_into).
#pragma once

#include <cstdint>
#include <vector>

#include "models/error.hpp"
#include "service/key_runs.hpp"
#include "service/sqlite_connection.hpp"

namespace fraud::service {

class key_merger {
public:
  static fraud::expected<key_merger> open(sqlite_connection& db,
                                          std::size_t fanout = 8);

  /// Appends a run of `kind` at `tier` holding `sorted` (sorted,
  /// non-empty): a written batch's keys, or a migration's.
  fraud::error append_run(std::int64_t kind, std::int64_t tier,
                          const std::vector<key_pair>& sorted);

  /// A step of the merges of `kind` under way (one a tier; a new one when
  /// a tier has `fanout` runs), lowest tier first: at most `max_blocks`
  /// blocks written in all (and a short block at the end of each merge's
  /// step). Pairs of ids below `floor_id` (purged) are left out. Returns
  /// the blocks written.
  fraud::expected<std::size_t> step(std::int64_t kind, std::size_t max_blocks,
                                    std::int64_t floor_id);

  /// Merges under way or due (of both kinds).
  fraud::expected<std::size_t> merges_left();

  /// Drops the runs (not in a merge) whose ids are all below floor_id.
  fraud::error drop_runs_below(std::int64_t floor_id);

private:
  key_merger() = default;
  struct source {
    std::int64_t run = 0;
    sqlite_statement blocks;
    std::int64_t block = 0;          // the current block's rowid
    std::vector<key_pair> pairs;     // its pairs
    std::size_t at = 0;              // the next one to take
    bool done = false;
  };
  fraud::error start(std::int64_t kind, std::int64_t& target);
  fraud::expected<std::size_t> step_target(std::int64_t target,
                                           std::size_t max_blocks,
                                           std::int64_t floor_id);
  fraud::error next_block(source& s);  // skips empty blocks
  fraud::error read_block(source& s);
  fraud::error flush(std::int64_t target, std::vector<key_pair>& out);
  fraud::error add_block(std::int64_t run, const key_pair* pairs,
                         std::size_t n);

  sqlite_connection* db_ = nullptr;
  std::size_t fanout_ = 8;
  sqlite_statement target_;      // the merge under way of a kind
  sqlite_statement due_tier_;    // the lowest tier with fanout runs
  sqlite_statement sources_of_;  // a tier's oldest runs
  sqlite_statement add_run_;
  sqlite_statement add_target_;
  sqlite_statement claim_;       // a source names its target
  sqlite_statement merging_;     // the sources of a target
  sqlite_statement add_block_;
  sqlite_statement drop_block_;
  sqlite_statement trim_block_;
  sqlite_statement grow_target_;
  sqlite_statement finish_;      // the sources go, the target is live
  sqlite_statement finish_target_;
  std::vector<source> sources_;
  std::string blob_;
};

} // namespace fraud::service
