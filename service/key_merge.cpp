#include "service/key_merge.hpp"

#include <algorithm>

namespace fraud::service {

fraud::expected<key_merger> key_merger::open(sqlite_connection& db,
                                             std::size_t fanout) {
  key_merger m;
  m.db_ = &db;
  m.fanout_ = fanout;
  struct statement {
    sqlite_statement& st;
    const char* sql;
  };
  for (auto& [st, sql] : std::initializer_list<statement>{
         {m.target_, "SELECT run FROM decision_key_runs WHERE kind = ? AND "
                     "state = 1 ORDER BY tier, run"},
         // The lowest tier with `fanout` runs and no merge under way.
         {m.due_tier_, "SELECT r.tier FROM decision_key_runs r WHERE "
                       "r.kind = ?1 AND r.state = 0 AND r.merging_into = 0 "
                       "AND NOT EXISTS (SELECT 1 FROM decision_key_runs t "
                       "WHERE t.kind = ?1 AND t.state = 1 AND t.tier = "
                       "r.tier + 1) GROUP BY r.tier HAVING count(*) >= ?2 "
                       "ORDER BY r.tier LIMIT 1"},
         {m.sources_of_, "SELECT run, min_id, max_id FROM decision_key_runs "
                         "WHERE kind = ?1 AND tier = ?2 AND state = 0 AND "
                         "merging_into = 0 ORDER BY run LIMIT ?3"},
         {m.add_run_, "INSERT INTO decision_key_runs(kind, tier, min_id, "
                      "max_id, pairs) VALUES (?, ?, ?, ?, ?)"},
         {m.add_target_, "INSERT INTO decision_key_runs(kind, tier, min_id, "
                         "max_id, pairs, state) VALUES (?, ?, ?, ?, 0, 1)"},
         {m.claim_, "UPDATE decision_key_runs SET merging_into = ?1 WHERE "
                    "run = ?2"},
         {m.merging_, "SELECT run FROM decision_key_runs WHERE "
                      "merging_into = ? ORDER BY run"},
         {m.add_block_, "INSERT INTO decision_key_blocks(run, last_key, "
                        "pairs) VALUES (?, ?, ?)"},
         {m.drop_block_, "DELETE FROM decision_key_blocks WHERE block = ?"},
         {m.trim_block_, "UPDATE decision_key_blocks SET pairs = ? WHERE "
                         "block = ?"},
         {m.grow_target_, "UPDATE decision_key_runs SET pairs = pairs + ?1 "
                          "WHERE run = ?2"},
         {m.finish_, "DELETE FROM decision_key_runs WHERE merging_into = ?"},
         {m.finish_target_, "UPDATE decision_key_runs SET state = 0 WHERE "
                            "run = ?"},
       })
    if (auto err = db.prepare(st, sql))
      return err;
  return m;
}

fraud::error key_merger::append_run(std::int64_t kind, std::int64_t tier,
                                   const std::vector<key_pair>& sorted) {
  std::int64_t min_id = INT64_MAX, max_id = 0;
  for (auto& p : sorted) {
    min_id = std::min(min_id, p.id);
    max_id = std::max(max_id, p.id);
  }
  add_run_.bind(1, kind);
  add_run_.bind(2, tier);
  add_run_.bind(3, min_id);
  add_run_.bind(4, max_id);
  add_run_.bind(5, static_cast<std::int64_t>(sorted.size()));
  if (auto err = db_->run(add_run_, "recording a run of keys"))
    return err;
  auto run = sqlite3_last_insert_rowid(db_->get());
  for (std::size_t at = 0; at < sorted.size(); at += pairs_per_block)
    if (auto err = add_block(run, &sorted[at],
                             std::min(pairs_per_block, sorted.size() - at)))
      return err;
  return {};
}

fraud::error key_merger::add_block(std::int64_t run, const key_pair* pairs,
                                   std::size_t n) {
  encode_pairs(pairs, n, blob_);
  add_block_.bind(1, run);
  add_block_.bind(2, pairs[n - 1].key);
  add_block_.bind_blob(3, blob_);
  return db_->run(add_block_, "writing a block of keys");
}

fraud::error key_merger::start(std::int64_t kind, std::int64_t& target) {
  target = 0;
  due_tier_.bind(1, kind);
  due_tier_.bind(2, static_cast<std::int64_t>(fanout_));
  auto rc = due_tier_.step();
  auto tier = rc == SQLITE_ROW ? due_tier_.int64(0) : -1;
  due_tier_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_->error("finding runs of keys to merge");
  if (tier < 0)
    return {};
  std::vector<std::int64_t> runs;
  std::int64_t min_id = INT64_MAX, max_id = 0;
  sources_of_.bind(1, kind);
  sources_of_.bind(2, tier);
  sources_of_.bind(3, static_cast<std::int64_t>(fanout_));
  while ((rc = sources_of_.step()) == SQLITE_ROW) {
    runs.push_back(sources_of_.int64(0));
    min_id = std::min(min_id, sources_of_.int64(1));
    max_id = std::max(max_id, sources_of_.int64(2));
  }
  sources_of_.reset();
  if (rc != SQLITE_DONE)
    return db_->error("listing runs of keys to merge");
  add_target_.bind(1, kind);
  add_target_.bind(2, tier + 1);
  add_target_.bind(3, min_id);
  add_target_.bind(4, max_id);
  if (auto err = db_->run(add_target_, "starting a merge of keys"))
    return err;
  target = sqlite3_last_insert_rowid(db_->get());
  for (auto run : runs) {
    claim_.bind(1, target);
    claim_.bind(2, run);
    if (auto err = db_->run(claim_, "starting a merge of keys"))
      return err;
  }
  return {};
}

fraud::error key_merger::next_block(source& s) {
  s.pairs.clear();
  while (s.pairs.empty() && !s.done)
    if (auto err = read_block(s))
      return err;
  return {};
}

fraud::error key_merger::read_block(source& s) {
  auto rc = s.blocks.step();
  if (rc == SQLITE_DONE) {
    s.done = true;
    return {};
  }
  if (rc != SQLITE_ROW)
    return db_->error("reading a run of keys to merge");
  s.block = s.blocks.int64(0);
  auto blob = s.blocks.blob(1);
  s.pairs.resize(pairs_in(blob));
  for (std::size_t i = 0; i < s.pairs.size(); ++i)
    s.pairs[i] = pair_at(blob, i);
  s.at = 0;
  return {};
}

fraud::error key_merger::flush(std::int64_t target,
                               std::vector<key_pair>& out) {
  if (out.empty())
    return {};
  if (auto err = add_block(target, out.data(), out.size()))
    return err;
  grow_target_.bind(1, static_cast<std::int64_t>(out.size()));
  grow_target_.bind(2, target);
  out.clear();
  return db_->run(grow_target_, "counting merged keys");
}

// One merge under way a tier (of each kind), lowest tiers first: a tier's
// merge is small and due every `fanout` runs of the tier below, and the
// largest must not hold them up (runs would pile up for lookups to read).
fraud::expected<std::size_t>
key_merger::step(std::int64_t kind, std::size_t max_blocks,
                 std::int64_t floor_id) {
  for (;;) {
    std::int64_t started = 0;
    if (auto err = start(kind, started))
      return err;
    if (started == 0)
      break;
  }
  std::vector<std::int64_t> targets;
  target_.bind(1, kind);
  int rc;
  while ((rc = target_.step()) == SQLITE_ROW)
    targets.push_back(target_.int64(0));
  target_.reset();
  if (rc != SQLITE_DONE)
    return db_->error("finding the merges of keys under way");
  std::size_t written = 0;
  for (auto target : targets) {
    if (written >= max_blocks)
      break;
    auto n = step_target(target, max_blocks - written, floor_id);
    if (!n)
      return n.error();
    written += *n;
  }
  return written;
}

fraud::expected<std::size_t>
key_merger::step_target(std::int64_t target, std::size_t max_blocks,
                        std::int64_t floor_id) {
  int rc;
  // The sources, each from its first block (what earlier steps left).
  std::vector<std::int64_t> runs;
  merging_.bind(1, target);
  while ((rc = merging_.step()) == SQLITE_ROW)
    runs.push_back(merging_.int64(0));
  merging_.reset();
  if (rc != SQLITE_DONE)
    return db_->error("listing the runs being merged");
  if (sources_.size() < runs.size())
    sources_.resize(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto& s = sources_[i];
    s.run = runs[i];
    s.done = false;
    if (!s.blocks.get())
      if (auto err = db_->prepare(s.blocks,
                                  "SELECT block, pairs FROM decision_key_blocks "
                                  "WHERE run = ? ORDER BY last_key, block"))
        return err;
    s.blocks.bind(1, s.run);
    if (auto err = next_block(s))
      return err;
  }
  std::vector<std::int64_t> emptied;
  std::vector<key_pair> out;
  out.reserve(pairs_per_block);
  std::size_t written = 0;
  bool finished = false;
  while (written < max_blocks) {
    source* low = nullptr;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      auto& s = sources_[i];
      if (!s.done && (!low || s.pairs[s.at] < low->pairs[low->at]))
        low = &s;
    }
    if (!low) {
      finished = true;
      break;
    }
    auto p = low->pairs[low->at++];
    if (p.id >= floor_id)
      out.push_back(p);
    if (low->at == low->pairs.size()) {
      emptied.push_back(low->block);
      if (auto err = next_block(*low))
        return err;
    }
    if (out.size() == pairs_per_block) {
      if (auto err = flush(target, out))
        return err;
      ++written;
    }
  }
  if (!out.empty()) {
    if (auto err = flush(target, out))
      return err;
    ++written;
  }
  // The sources' statements end before their blocks change.
  for (std::size_t i = 0; i < runs.size(); ++i)
    sources_[i].blocks.reset();
  for (auto block : emptied) {
    drop_block_.bind(1, block);
    if (auto err = db_->run(drop_block_, "dropping a merged block of keys"))
      return err;
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto& s = sources_[i];
    if (s.done || s.at == 0)
      continue;
    encode_pairs(s.pairs.data() + s.at, s.pairs.size() - s.at, blob_);
    trim_block_.bind_blob(1, blob_);
    trim_block_.bind(2, s.block);
    if (auto err = db_->run(trim_block_, "trimming a merged block of keys"))
      return err;
  }
  if (finished) {
    finish_.bind(1, target);
    if (auto err = db_->run(finish_, "ending a merge of keys"))
      return err;
    finish_target_.bind(1, target);
    if (auto err = db_->run(finish_target_, "ending a merge of keys"))
      return err;
  }
  return written;
}

fraud::expected<std::size_t> key_merger::merges_left() {
  auto st = db_->prepare(
    "SELECT (SELECT count(*) FROM decision_key_runs WHERE state = 1) + "
    "coalesce((SELECT sum(n / ?1) FROM (SELECT count(*) AS n FROM "
    "decision_key_runs WHERE state = 0 AND merging_into = 0 GROUP BY kind, "
    "tier)), 0)");
  if (!st)
    return st.error();
  st->bind(1, static_cast<std::int64_t>(fanout_));
  if (st->step() != SQLITE_ROW)
    return db_->error("counting merges of keys");
  return static_cast<std::size_t>(st->int64(0));
}

fraud::error key_merger::drop_runs_below(std::int64_t floor_id) {
  auto blocks = db_->prepare(
    "DELETE FROM decision_key_blocks WHERE run IN (SELECT run FROM "
    "decision_key_runs WHERE max_id < ?1 AND state = 0 AND merging_into = 0)");
  if (!blocks)
    return blocks.error();
  blocks->bind(1, floor_id);
  if (auto err = db_->run(*blocks, "dropping the keys of purged decisions"))
    return err;
  auto runs = db_->prepare(
    "DELETE FROM decision_key_runs WHERE max_id < ?1 AND state = 0 AND "
    "merging_into = 0");
  if (!runs)
    return runs.error();
  runs->bind(1, floor_id);
  return db_->run(*runs, "dropping the keys of purged decisions");
}

} // namespace fraud::service
