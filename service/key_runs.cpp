#include "service/key_runs.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "models/fnv.hpp"

namespace fraud::service {

std::int64_t default_key_hash(std::string_view text) {
  // FNV-1a, then splitmix64's finaliser: FNV alone leaves the high bits of
  // short, similar keys ("tx-1", "tx-2") close, and blocks split on them.
  auto h = models::fnv1a_64(text);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  std::int64_t out;
  std::memcpy(&out, &h, sizeof out);
  return out;
}

void encode_pairs(const key_pair* p, std::size_t n, std::string& out) {
  out.resize(n * 16);
  for (std::size_t i = 0; i < n; ++i) {
    std::memcpy(&out[i * 16], &p[i].key, 8);
    std::memcpy(&out[i * 16 + 8], &p[i].id, 8);
  }
}

std::size_t pairs_in(std::string_view blob) {
  return blob.size() / 16;
}

key_pair pair_at(std::string_view blob, std::size_t i) {
  key_pair p;
  std::memcpy(&p.key, blob.data() + i * 16, 8);
  std::memcpy(&p.id, blob.data() + i * 16 + 8, 8);
  return p;
}

read_snapshot::read_snapshot(sqlite_connection& db) {
  if (sqlite3_get_autocommit(db.get()) != 0
      && sqlite3_exec(db.get(), "BEGIN", nullptr, nullptr, nullptr)
           == SQLITE_OK)
    db_ = &db;
}

read_snapshot::~read_snapshot() {
  if (db_)
    sqlite3_exec(db_->get(), "COMMIT", nullptr, nullptr, nullptr);
}

fraud::expected<key_finder> key_finder::open(sqlite_connection& db) {
  key_finder f;
  f.db_ = &db;
  if (auto err = db.prepare(f.runs_,
                            "SELECT run, max_id FROM decision_key_runs "
                            "WHERE kind = ? ORDER BY max_id DESC, run DESC"))
    return err;
  // From the first block whose last key is not below the key; the key's
  // pairs may go on in the next blocks (a card's many, a collision).
  if (auto err = db.prepare(f.blocks_,
                            "SELECT pairs FROM decision_key_blocks WHERE "
                            "run = ?1 AND last_key >= ?2 ORDER BY last_key, "
                            "block"))
    return err;
  if (auto err = db.prepare(f.row_, "SELECT tx_id, payload FROM decisions "
                                    "WHERE id = ?"))
    return err;
  return f;
}

fraud::error key_finder::runs(
  std::int64_t kind, std::vector<std::pair<std::int64_t, std::int64_t>>& out) {
  out.clear();
  runs_.bind(1, kind);
  int rc;
  while ((rc = runs_.step()) == SQLITE_ROW)
    out.emplace_back(runs_.int64(0), runs_.int64(1));
  runs_.reset();
  if (rc != SQLITE_DONE)
    return db_->error("listing the runs of keys");
  return {};
}

fraud::error key_finder::ids_in_run(std::int64_t run, std::int64_t key,
                                    std::vector<std::int64_t>& ids,
                                    std::int64_t below) {
  blocks_.bind(1, run);
  blocks_.bind(2, key);
  int rc;
  bool past = false;
  while (!past && (rc = blocks_.step()) == SQLITE_ROW) {
    auto blob = blocks_.blob(0);
    auto n = pairs_in(blob);
    // Pairs are sorted: a binary search for the first of the key.
    std::size_t lo = 0, hi = n;
    while (lo < hi) {
      auto mid = (lo + hi) / 2;
      if (pair_at(blob, mid).key < key)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (; lo < n; ++lo) {
      auto p = pair_at(blob, lo);
      if (p.key != key) {
        past = true;
        break;
      }
      if (p.id < below)
        ids.push_back(p.id);
    }
  }
  if (past)
    rc = SQLITE_DONE;
  blocks_.reset();
  if (rc != SQLITE_DONE)
    return db_->error("reading a block of keys");
  return {};
}

fraud::error key_finder::ids_of(std::int64_t kind, std::int64_t key,
                                std::vector<std::int64_t>& ids,
                                std::int64_t below) {
  read_snapshot snapshot{*db_};
  if (auto err = runs(kind, run_list_))
    return err;
  for (auto& [run, max_id] : run_list_)
    if (auto err = ids_in_run(run, key, ids, below))
      return err;
  return {};
}

fraud::expected<std::int64_t>
key_finder::tx(std::string_view tx_id, key_hash_fn hash, std::string* payload) {
  read_snapshot snapshot{*db_};
  ids_.clear();
  if (auto err = ids_of(key_kind_tx, hash(tx_id), ids_))
    return err;
  for (auto id : ids_) {
    row_.bind(1, id);
    auto rc = row_.step();
    if (rc == SQLITE_ROW && row_.blob(0) == tx_id) {
      if (payload)
        *payload = std::string{row_.blob(1)};
      row_.reset();
      return id;
    }
    row_.reset();
    // No row: retention purged it (its pair goes at the next merge).
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return db_->error("reading the decision of " + std::string{tx_id});
  }
  return std::int64_t{0};
}

fraud::expected<key_rows>
key_rows::open(sqlite_connection& db, std::string_view card_id,
               std::int64_t min_id, std::int64_t cursor,
               sqlite_statement& decision) {
  auto finder = key_finder::open(db);
  if (!finder)
    return finder.error();
  key_rows rows{std::move(*finder), default_key_hash(card_id), decision,
                min_id, cursor <= 0 ? INT64_MAX : cursor};
  if (auto err = rows.finder_.runs(key_kind_card, rows.runs_))
    return err;
  return rows;
}

key_rows::key_rows(key_finder finder, std::int64_t key,
                   sqlite_statement& decision, std::int64_t min_id,
                   std::int64_t cursor)
  : finder_(std::move(finder)), key_(key), decision_(&decision),
    decision_id_param_(sqlite3_bind_parameter_index(decision.get(), ":id")),
    min_id_(min_id), cursor_(cursor) {
}

// A run's ids may be above an older run's (a merge's target holds ids of
// every age), so ids are handed out only once every run that could hold a
// larger one has been read.
fraud::error key_rows::refill() {
  for (;;) {
    // Runs come by their largest id: one below min_id ends the walk.
    if (next_run_ < runs_.size() && runs_[next_run_].second < min_id_)
      next_run_ = runs_.size();
    bool more_runs = next_run_ < runs_.size();
    if (!found_.empty()
        && (!more_runs || found_.back() > runs_[next_run_].second))
      return {};
    if (!more_runs)
      return {};
    auto run = runs_[next_run_++].first;
    if (auto err = finder_.ids_in_run(run, key_, found_, cursor_))
      return err;
    // Newest last, so that the next id is popped from the back.
    std::sort(found_.begin(), found_.end());
  }
}

int key_rows::step() {
  for (;;) {
    if (auto err = refill())
      return SQLITE_ERROR;
    if (found_.empty())
      return SQLITE_DONE;
    auto id = found_.back();
    found_.pop_back();
    if (!found_.empty() && found_.back() == id)
      continue;  // a pair moved by a merge is read once
    if (id < min_id_)
      return SQLITE_DONE;
    sqlite3_reset(decision_->get());
    decision_->bind(decision_id_param_, id);
    auto rc = decision_->step();
    if (rc != SQLITE_DONE)
      return rc;
  }
}

std::int64_t key_rows::id() {
  return decision_->int64(0);
}

std::string_view key_rows::payload() {
  return decision_->blob(1);
}

namespace {

// decision_id_of's state: its statements, prepared at its first call (the
// connection may be opened before the schema has the runs).
struct decision_id_of_state {
  sqlite_connection* db;
  std::unique_ptr<key_finder> finder;
};

void decision_id_of(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* state = static_cast<decision_id_of_state*>(sqlite3_user_data(ctx));
  auto* text = sqlite3_value_text(argv[0]);
  if (!text) {
    sqlite3_result_null(ctx);
    return;
  }
  if (!state->finder) {
    auto finder = key_finder::open(*state->db);
    if (!finder) {
      sqlite3_result_error(ctx, finder.error().what().c_str(), -1);
      return;
    }
    state->finder = std::make_unique<key_finder>(std::move(*finder));
  }
  std::string_view tx_id{reinterpret_cast<const char*>(text),
                         static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))};
  auto id = state->finder->tx(tx_id, default_key_hash);
  if (!id) {
    sqlite3_result_error(ctx, id.error().what().c_str(), -1);
    return;
  }
  if (*id == 0)
    sqlite3_result_null(ctx);
  else
    sqlite3_result_int64(ctx, *id);
}

} // namespace

fraud::error register_decision_id_of(sqlite_connection& db) {
  // Its statements must be finalised before the connection closes.
  auto* state = new decision_id_of_state{&db, nullptr};
  db.before_close([state] { delete state; });
  if (sqlite3_create_function_v2(db.get(), "decision_id_of", 1, SQLITE_UTF8,
                                 state, decision_id_of, nullptr, nullptr,
                                 nullptr)
      != SQLITE_OK)
    return db.error("registering decision_id_of");
  return {};
}

} // namespace fraud::service
