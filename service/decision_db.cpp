#include "service/decision_db.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include "protocol/codec.hpp"
#include "models/error.hpp"
#include "service/decision_schema.hpp"

namespace fraud::service {

namespace {
// The posting names of actions: their numbers, as decision_actions reads.
const std::string action_names[] = {"0", "1", "2"};
} // namespace

fraud::expected<std::unique_ptr<decision_db>>
decision_db::open(const std::string& path, decision_db_options options) {
  std::unique_ptr<decision_db> self{new decision_db};
  self->options_ = options;
  auto db = sqlite_connection::open(path, true);
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  if (auto err = migrate(*self->db_))
    return err;
  auto prep = [&](sqlite_statement& st, const char* sql) {
    return self->db_->prepare(st, sql);
  };
  if (auto err = prep(self->insert_posting_,
                      "INSERT INTO decision_postings(kind, name, first_id, "
                      "last_id, ids) VALUES (?, ?, ?, ?, ?)"))
    return err;
  if (auto err = prep(self->insert_batch_,
                      "INSERT INTO decision_batches(first_id, last_id, "
                      "min_ms, upto_ms) VALUES (?, ?, ?, ?)"))
    return err;
  if (auto err = prep(self->insert_case_,
                      "INSERT OR IGNORE INTO cases(tx_id, card_id, "
                      "opened_at_ms, score, rules, amount_minor, currency, "
                      "merchant_id) VALUES (?,?,?,?,?,?,?,?)"))
    return err;
  // Without a time index, the scan for old decisions starts at the oldest
  // id and ends at the last batch holding one decided before the bound.
  if (auto err = prep(self->purge_,
                      "DELETE FROM decisions WHERE id IN (SELECT id FROM "
                      "decisions WHERE decided_at_ms < ?1 AND id <= (SELECT "
                      "max(last_id) FROM decision_batches WHERE min_ms < ?1) "
                      "LIMIT 10000)"))
    return err;
  // What names only purged decisions; the newest batch stays, so that ids
  // are never given twice.
  if (auto err = prep(self->purge_postings_,
                      "DELETE FROM decision_postings WHERE last_id < (SELECT "
                      "coalesce(min(id), 9223372036854775807) FROM "
                      "decisions)"))
    return err;
  if (auto err = prep(self->purge_batches_,
                      "DELETE FROM decision_batches WHERE last_id < (SELECT "
                      "coalesce(min(id), 9223372036854775807) FROM decisions) "
                      "AND first_id < (SELECT max(first_id) FROM "
                      "decision_batches)"))
    return err;
  if (auto err = self->read_next_id())
    return err;
  auto keys = key_finder::open(*self->db_);
  if (!keys)
    return keys.error();
  self->keys_ = std::make_unique<key_finder>(std::move(*keys));
  auto merger = key_merger::open(*self->db_);
  if (!merger)
    return merger.error();
  self->merger_ = std::make_unique<key_merger>(std::move(*merger));
  if (auto err = self->load_bloom())
    return err;
  return self;
}

// At start, every tx_id key stored goes into the filter: a scan of the
// tx_id runs (16 bytes a decision, about 0.1 s a million here).
fraud::error decision_db::load_bloom() {
  auto st = db_->prepare("SELECT b.pairs FROM decision_key_blocks b JOIN "
                         "decision_key_runs r ON r.run = b.run WHERE "
                         "r.kind = ?");
  if (!st)
    return st.error();
  st->bind(1, key_kind_tx);
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    auto blob = st->blob(0);
    for (std::size_t i = 0, n = pairs_in(blob); i < n; ++i)
      stored_tx_.add(pair_at(blob, i).key);
  }
  if (rc != SQLITE_DONE)
    return db_->error("reading the stored tx_ids");
  auto floor = db_->prepare("SELECT min(id) FROM decisions");
  if (!floor)
    return floor.error();
  if (floor->step() != SQLITE_ROW)
    return db_->error("reading the oldest decision");
  floor_id_ = floor->int64(0);  // NULL (none) reads as 0: nothing dropped
  return fraud::error{};
}

fraud::error decision_db::read_next_id() {
  auto st = db_->prepare(
    "SELECT max(coalesce((SELECT max(id) FROM decisions), 0), "
    "coalesce((SELECT max(last_id) FROM decision_batches), 0)), "
    "(SELECT max(upto_ms) FROM decision_batches)");
  if (!st)
    return st.error();
  if (st->step() != SQLITE_ROW)
    return db_->error("reading the last decision id");
  next_id_ = st->int64(0) + 1;
  upto_ms_ = st->int64(1);  // NULL (no batch yet) reads as 0
  return fraud::error{};
}

void decision_db::post(std::int64_t kind, std::string_view rule,
                       std::int64_t id) {
  // std::map::find with a pair needs the key; thread_local keeps its buffer.
  thread_local posting_key key;
  key.first = kind;
  key.second = rule;
  auto& p = batch_postings_[key];
  if (p.ids.empty()) {
    p.first_id = id;
    p.ids = "[";
  } else if (p.last_id == id) {
    return;  // a rule named twice in one decision is indexed once
  } else {
    p.ids.push_back(',');
  }
  p.last_id = id;
  p.ids += std::to_string(id);
}

fraud::error decision_db::write_postings_and_batch() {
  for (auto& [key, p] : batch_postings_) {
    p.ids.push_back(']');
    auto& st = insert_posting_;
    st.bind(1, key.first);
    st.bind(2, key.second);
    st.bind(3, p.first_id);
    st.bind(4, p.last_id);
    st.bind(5, p.ids);
    if (auto err = db_->run(st, "indexing the rules of rule", key.second))
      return err;
  }
  if (batch_min_ms_ == std::numeric_limits<std::int64_t>::max())
    return fraud::error{};  // nothing new in this batch
  auto& st = insert_batch_;
  st.bind(1, batch_first_id_);
  st.bind(2, next_id_ - 1);
  st.bind(3, batch_min_ms_);
  st.bind(4, upto_ms_);
  return db_->run(st, "recording a batch of decisions");
}

namespace {

constexpr int decision_columns = 8;

std::string insert_rows_sql(std::size_t rows) {
  std::string sql =
    "INSERT INTO decisions(id, tx_id, card_id, action, "
    "decided_at_ms, rules, payload, model_version) VALUES ";
  for (std::size_t i = 0; i < rows; ++i)
    sql += i == 0 ? "(?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?)";
  return sql;
}

} // namespace

fraud::error decision_db::decode(std::string_view payload, pending& p) {
  if (!protocol::read_decision_keys(payload.data(), payload.size(), p.keys))
    return make_error(ec::store_error, "an undecodable decision was queued");
  p.payload = payload;
  p.rules.clear();
  for (auto rule : p.keys.rules) {
    if (!p.rules.empty())
      p.rules.push_back(' ');
    p.rules += rule;
  }
  return fraud::error{};
}

// One INSERT of up to max_rows_per_insert decisions: a statement costs
// about as much CPU as a row's index inserts (schema 9 notes), so rows
// share it. Ids are given in order, to the accepted decisions only (a
// tx_id stored before, or earlier in the batch, was left out).
fraud::error decision_db::insert_rows(std::size_t from, std::size_t rows,
                                      std::size_t& added) {
  auto& st = insert_rows_[rows - 1];
  if (!st.get())
    if (auto err = db_->prepare(st, insert_rows_sql(rows)))
      return err;
  auto first_id = next_id_;
  for (std::size_t i = 0; i < rows; ++i) {
    auto& [keys, payload, rules] = pending_[accepted_[from + i]];
    int c = static_cast<int>(i) * decision_columns;
    st.bind(c + 1, first_id + static_cast<std::int64_t>(i));
    st.bind(c + 2, keys.tx_id);
    st.bind(c + 3, keys.card_id);
    st.bind(c + 4, static_cast<std::int64_t>(keys.action));
    st.bind(c + 5, keys.decided_at_ms);
    st.bind(c + 6, rules);
    st.bind_blob(c + 7, payload);
    st.bind(c + 8, keys.model_version);
  }
  if (auto err = db_->run(st, "inserting decision",
                          pending_[accepted_[from]].keys.tx_id))
    return err;
  next_id_ += static_cast<std::int64_t>(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    ++added;
    if (auto err = index(pending_[accepted_[from + i]],
                         first_id + static_cast<std::int64_t>(i)))
      return err;
  }
  return fraud::error{};
}

// A tx_id is stored once, with its first decision. Repeats within the
// batch are found by sorting its keys; a new tx_id is told by the filter,
// almost always, and a "maybe" is looked up in the runs, its text
// compared on the row.
fraud::error decision_db::choose_new(std::size_t count) {
  batch_keys_.clear();
  for (std::size_t i = 0; i < count; ++i)
    batch_keys_.push_back({options_.key_hash(pending_[i].keys.tx_id),
                           static_cast<std::int64_t>(i)});
  std::sort(batch_keys_.begin(), batch_keys_.end());
  accepted_.clear();
  for (std::size_t at = 0; at < batch_keys_.size(); ++at) {
    auto [key, i] = batch_keys_[at];
    auto& tx_id = pending_[static_cast<std::size_t>(i)].keys.tx_id;
    bool again = false;
    for (auto before = at; before-- > 0 && batch_keys_[before].key == key;)
      again = again
              || pending_[static_cast<std::size_t>(batch_keys_[before].id)]
                     .keys.tx_id
                   == tx_id;
    if (!again && stored_tx_.may_hold(key)) {
      auto id = keys_->tx(tx_id, options_.key_hash);
      if (!id)
        return id.error();
      again = *id != 0;
    }
    if (!again)
      accepted_.push_back(static_cast<std::size_t>(i));
  }
  std::sort(accepted_.begin(), accepted_.end());
  return fraud::error{};
}

fraud::error decision_db::write_keys() {
  for (auto* pairs : {&tx_pairs_, &card_pairs_}) {
    if (pairs->empty())
      continue;
    std::sort(pairs->begin(), pairs->end());
    if (auto err = merger_->append_run(
          pairs == &tx_pairs_ ? key_kind_tx : key_kind_card, 0, *pairs))
      return err;
  }
  return fraud::error{};
}

// A bounded step of each kind's merge (service/key_merge.hpp).
fraud::expected<std::size_t> decision_db::merge_step() {
  auto t0 = std::chrono::steady_clock::now();
  std::size_t blocks = 0;
  for (auto kind : {key_kind_tx, key_kind_card}) {
    auto n = merger_->step(kind, options_.merge_blocks, floor_id_);
    if (!n)
      return n.error();
    blocks += *n;
  }
  merged_blocks_ += blocks;
  longest_merge_step_ = std::max(
    longest_merge_step_,
    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count());
  return blocks;
}

fraud::error decision_db::merge_keys(std::size_t steps) {
  for (std::size_t i = 0; i < steps; ++i) {
    if (auto err = db_->exec("BEGIN"))
      return err;
    auto n = merge_step();
    if (!n) {
      db_->rollback();
      return n.error();
    }
    if (auto err = db_->exec("COMMIT")) {
      db_->rollback();
      return err;
    }
    if (*n == 0)
      break;
  }
  return fraud::error{};
}

fraud::error decision_db::index(const pending& p, std::int64_t id) {
  auto& k = p.keys;
  tx_pairs_.push_back({options_.key_hash(k.tx_id), id});
  card_pairs_.push_back({options_.key_hash(k.card_id), id});
  batch_min_ms_ = std::min(batch_min_ms_, k.decided_at_ms);
  upto_ms_ = std::max(upto_ms_, k.decided_at_ms);
  for (auto rule : k.rules) {
    post(posting_rule, rule, id);
    auto hit = batch_hits_.find(rule);
    if (hit == batch_hits_.end())
      hit = batch_hits_.emplace(std::string{rule}, 0).first;
    ++hit->second;
  }
  for (auto rule : k.shadow_rules)
    post(posting_shadow_rule, rule, id);
  if (k.action != models::action::approve)
    post(posting_action, action_names[static_cast<std::size_t>(k.action)], id);
  if (k.action == models::action::review)
    return open_case(p);
  return fraud::error{};
}

// In the writer's batch: a REVIEW costs one more insert in a transaction
// already open, and nothing on the card's thread. Its case copies fields
// the keys do not have, so it is decoded in full.
fraud::error decision_db::open_case(const pending& p) {
  thread_local models::decision d;
  thread_local protocol::decision_envelope env;
  if (!protocol::decode_decision(p.payload.data(), p.payload.size(), d, env)
         .ok())
    return make_error(ec::store_error, "an undecodable decision was queued");
  auto& st = insert_case_;
  st.bind(1, d.tx_id);
  st.bind(2, d.card_id);
  st.bind(3, env.decided_at_ms);
  st.bind(4, std::int64_t{d.score});
  st.bind(5, p.rules);
  st.bind(6, d.amount_minor);
  st.bind(7, d.currency);
  st.bind(8, d.merchant_id);
  if (auto err = db_->run(st, "opening the case of", d.tx_id))
    return err;
  batch_cases_ += static_cast<std::uint64_t>(sqlite3_changes(db_->get()));
  return fraud::error{};
}

fraud::expected<std::size_t>
decision_db::write(const std::vector<std::string_view>& decisions) {
  if (auto err = db_->exec("BEGIN"))
    return err;
  std::size_t added = 0;
  batch_hits_.clear();
  batch_postings_.clear();
  batch_cases_ = 0;
  batch_first_id_ = next_id_;
  batch_min_ms_ = std::numeric_limits<std::int64_t>::max();
  auto upto_before = upto_ms_;
  // A batch that is not stored gives back its ids and its time.
  auto fail = [&](fraud::error err) {
    db_->rollback();
    next_id_ = batch_first_id_;
    upto_ms_ = upto_before;
    return err;
  };
  if (pending_.size() < decisions.size())
    pending_.resize(decisions.size());
  tx_pairs_.clear();
  card_pairs_.clear();
  for (std::size_t i = 0; i < decisions.size(); ++i)
    if (auto err = decode(decisions[i], pending_[i]))
      return fail(std::move(err));
  if (auto err = choose_new(decisions.size()))
    return fail(std::move(err));
  for (std::size_t from = 0; from < accepted_.size();
       from += max_rows_per_insert) {
    auto rows = std::min(max_rows_per_insert, accepted_.size() - from);
    if (auto err = insert_rows(from, rows, added))
      return fail(std::move(err));
  }
  if (auto err = write_postings_and_batch())
    return fail(std::move(err));
  if (auto err = write_keys())
    return fail(std::move(err));
  // In the batch's transaction: a merge moves with the batch, or not.
  if (auto merged = merge_step(); !merged)
    return fail(merged.error());
  if (auto err = db_->exec("COMMIT"))
    return fail(std::move(err));
  for (auto& p : tx_pairs_)
    stored_tx_.add(p.key);
  // Counted once the batch is stored, under one lock for the batch.
  cases_opened_.fetch_add(batch_cases_, std::memory_order_relaxed);
  std::lock_guard<std::mutex> guard{hits_mtx_};
  for (auto& [rule, n] : batch_hits_)
    hits_[rule] += n;
  return added;
}

fraud::expected<std::size_t> decision_db::purge_before(std::int64_t ms) {
  std::size_t total = 0;
  for (;;) {
    purge_.bind(1, ms);
    if (auto err = db_->run(purge_, "purging old decisions"))
      return err;
    auto n = static_cast<std::size_t>(sqlite3_changes(db_->get()));
    total += n;
    if (n < 10000)
      break;
  }
  for (auto* st : {&purge_postings_, &purge_batches_})
    if (auto err = db_->run(*st, "purging the index of old decisions"))
      return err;
  // Keys of purged ids: whole runs go now, the rest at their next merge.
  auto floor = db_->prepare("SELECT coalesce(min(id), ?) FROM decisions");
  if (!floor)
    return floor.error();
  floor->bind(1, next_id_);
  if (floor->step() != SQLITE_ROW)
    return db_->error("reading the oldest decision");
  floor_id_ = floor->int64(0);
  if (auto err = merger_->drop_runs_below(floor_id_))
    return err;
  return total;
}

std::vector<std::pair<std::string, std::uint64_t>>
decision_db::rule_hits() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  {
    std::lock_guard<std::mutex> guard{hits_mtx_};
    out.assign(hits_.begin(), hits_.end());
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

} // namespace fraud::service
