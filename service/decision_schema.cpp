#include "service/decision_schema.hpp"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "service/key_merge.hpp"
#include "service/key_runs.hpp"

namespace fraud::service {

namespace {

// Version 1: one row per decision. `id` orders rows as they were written
// and is the paging cursor; `payload` is the fraud.v1.Decision as sent.
const char* schema_v1 = R"sql(
CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  tx_id TEXT NOT NULL UNIQUE,
  card_id TEXT NOT NULL,
  action INTEGER NOT NULL,
  score INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  mcc INTEGER NOT NULL,
  country TEXT NOT NULL,
  channel INTEGER NOT NULL,
  event_time_ms INTEGER NOT NULL,
  decided_at_ms INTEGER NOT NULL,
  ruleset_version TEXT NOT NULL,
  latency_ns INTEGER NOT NULL,
  rules TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX decisions_by_card ON decisions(card_id, id);
CREATE INDEX decisions_by_action ON decisions(action, id);
CREATE INDEX decisions_by_time ON decisions(decided_at_ms);
)sql";

// Version 2: an index of fired rules, so that "which decisions did rule X
// fire on" does not scan the table. Filled from the rules column of
// existing rows.
const char* schema_v2 = R"sql(
CREATE TABLE decision_rules (
  rule TEXT NOT NULL,
  decision_id INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  PRIMARY KEY (rule, decision_id)
) WITHOUT ROWID;
CREATE INDEX decision_rules_by_decision ON decision_rules(decision_id);
)sql";

// Version 3: rules that change at run time (issue 5). Every rule text
// ever run, who wrote it and why; when each version started running (set,
// rollback, or fraudd starting); the named lists rules test, with who added
// each value and why, and a log of every list change; and an index of the
// shadow rules that fired, like decision_rules for the others.
const char* schema_v3 = R"sql(
CREATE TABLE rule_versions (
  version INTEGER PRIMARY KEY,
  text TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  rules INTEGER NOT NULL
);
CREATE TABLE rule_activations (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES rule_versions(version),
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  activated_at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL
);
CREATE TABLE list_entries (
  list TEXT NOT NULL,
  value TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  added_at_ms INTEGER NOT NULL,
  PRIMARY KEY (list, value)
) WITHOUT ROWID;
CREATE TABLE list_changes (
  id INTEGER PRIMARY KEY,
  list TEXT NOT NULL,
  value TEXT NOT NULL,
  change TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE TABLE decision_shadow_rules (
  rule TEXT NOT NULL,
  decision_id INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  PRIMARY KEY (rule, decision_id)
) WITHOUT ROWID;
CREATE INDEX decision_shadow_rules_by_decision
  ON decision_shadow_rules(decision_id);
)sql";

// Version 4: "recent declines / reviews" is what the action index is for;
// approvals, the bulk of the traffic, are found by scanning ids anyway.
// Leaving them out of the index takes one B-tree insert off most
// decisions. Queries by a non-approve action add `action != 0` so that
// SQLite may use the partial index.
const char* schema_v4 = R"sql(
DROP INDEX decisions_by_action;
CREATE INDEX decisions_by_action ON decisions(action, id) WHERE action != 0;
)sql";

// Version 5: who made each rules or lists change, as fraudd verified it
// (the analyst whose NKey signed the request: README "Who changed the
// rules"), beside the free-text author the request names. Empty for the
// changes made before signatures were required, and for "start".
const char* schema_v5 = R"sql(
ALTER TABLE rule_versions ADD COLUMN signer TEXT NOT NULL DEFAULT '';
ALTER TABLE rule_activations ADD COLUMN signer TEXT NOT NULL DEFAULT '';
ALTER TABLE list_entries ADD COLUMN signer TEXT NOT NULL DEFAULT '';
ALTER TABLE list_changes ADD COLUMN signer TEXT NOT NULL DEFAULT '';
)sql";

// Version 6: exchange rates that change at run time (issue 15), kept like
// the rules: every rates text ever used, who set it (and who signed) and
// why, and when each started being used (service/live_rates.hpp).
const char* schema_v6 = R"sql(
CREATE TABLE rate_versions (
  version INTEGER PRIMARY KEY,
  text TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  currencies INTEGER NOT NULL,
  signer TEXT NOT NULL DEFAULT ''
);
CREATE TABLE rate_activations (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES rate_versions(version),
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  activated_at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  signer TEXT NOT NULL DEFAULT ''
);
)sql";

// Version 7: what was learnt after the decision (issue 16). A case for
// every REVIEW decision, opened by the store as it writes the decision
// (and here for the REVIEW decisions already stored); the labels sent on
// fraud.labels or made by resolving a case, one per (tx_id, source); and
// each labelled tx_id's outcome, its latest label (fraud on a tie), kept
// beside the labels so that rule performance joins one row a decision.
// Cases and labels name the tx_id, not a decision row: they outlive the
// retention purge of decisions, and a label may come before or without
// its decision.
const char* schema_v7 = R"sql(
CREATE TABLE cases (
  tx_id TEXT PRIMARY KEY,
  card_id TEXT NOT NULL,
  opened_at_ms INTEGER NOT NULL,
  score INTEGER NOT NULL,
  rules TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  resolved_by TEXT NOT NULL DEFAULT '',
  resolved_at_ms INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX cases_by_time ON cases(opened_at_ms, tx_id);
CREATE INDEX cases_open ON cases(opened_at_ms, tx_id) WHERE state = 0;
INSERT INTO cases(tx_id, card_id, opened_at_ms, score, rules, amount_minor,
                  currency, merchant_id)
  SELECT tx_id, card_id, decided_at_ms, score, rules, amount_minor, currency,
         merchant_id FROM decisions WHERE action = 1;
CREATE TABLE labels (
  tx_id TEXT NOT NULL,
  source TEXT NOT NULL,
  outcome INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  note TEXT NOT NULL,
  signer TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  PRIMARY KEY (tx_id, source)
) WITHOUT ROWID;
CREATE INDEX labels_by_time ON labels(at_ms, source, tx_id);
CREATE TABLE outcomes (
  tx_id TEXT PRIMARY KEY,
  outcome INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  outside INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 8: trained models that change at run time (issue 16), kept like
// the rules and the rates: every model text (XGBoost JSON) ever run, who
// set it (and who signed) and why, and when each started running
// (service/live_model.hpp); and, with each decision, the model that gave
// the rules their model_score ("" for none, and for decisions stored
// before).
const char* schema_v8 = R"sql(
CREATE TABLE model_versions (
  version INTEGER PRIMARY KEY,
  text TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  trees INTEGER NOT NULL,
  signer TEXT NOT NULL DEFAULT ''
);
CREATE TABLE model_activations (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES model_versions(version),
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  activated_at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  signer TEXT NOT NULL DEFAULT ''
);
ALTER TABLE decisions ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
)sql";

// Version 9: the writer's CPU a decision halved (issue 18). Two kinds of
// B-tree insert a decision no longer makes:
// - fired rules: instead of a row per fired rule (two B-trees, a
//   statement and a foreign-key look-up each), a row per rule per written
//   batch listing the ids it fired on (a JSON array, so that json_each
//   unpacks it in SQL). decision_rules and decision_shadow_rules become
//   views of these postings with the columns they had, plus `run` (the
//   posting's first id: runs of a rule never overlap, so ORDER BY run DESC,
//   decision_id DESC walks the postings' index newest first and sorts one
//   run at a time). Postings may name decisions that retention purged:
//   every reader joins decisions.
// - the time index: decisions are appended in arrival order, so a time
//   bound becomes an id bound through a row per written batch: its ids and
//   the running maximum of decided_at_ms up to it (upto_ms, which never
//   falls as ids grow); every decision below the first batch whose upto_ms
//   reaches `since` was decided before it. min_ms bounds retention's scan.
// - the partial action index: declines and reviews are postings too
//   (kind 3, named by the action's number), read through decision_actions.
// And the columns nothing reads (the payload has them all) are dropped: a
// decision's row is its keys, its time, its rules' names (for the labels'
// join), the payload and the model (README: a column for SQL audits). The
// table is rebuilt once for it.
// Ids are given by the writer, never reused (a posting must not name a
// later decision): the newest batch row is kept.
const char* schema_v9 = R"sql(
CREATE TABLE decision_postings (
  kind INTEGER NOT NULL,
  name TEXT NOT NULL,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  ids TEXT NOT NULL
);
CREATE INDEX decision_postings_by_name
  ON decision_postings(kind, name, first_id);
CREATE TABLE decision_batches (
  first_id INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  min_ms INTEGER NOT NULL,
  upto_ms INTEGER NOT NULL
);
CREATE INDEX decision_batches_by_time ON decision_batches(upto_ms, first_id);
INSERT INTO decision_postings(kind, name, first_id, last_id, ids)
  SELECT kind, rule, min(decision_id), max(decision_id),
         json_group_array(decision_id)
  FROM (SELECT 1 AS kind, rule, decision_id FROM decision_rules
        UNION ALL
        SELECT 2, rule, decision_id FROM decision_shadow_rules
        ORDER BY 1, 2, 3)
  GROUP BY kind, rule, decision_id >> 12;
INSERT INTO decision_postings(kind, name, first_id, last_id, ids)
  SELECT 3, CAST(action AS TEXT), min(id), max(id), json_group_array(id)
  FROM (SELECT action, id FROM decisions WHERE action != 0 ORDER BY 1, 2)
  GROUP BY action, id >> 12;
INSERT INTO decision_batches(first_id, last_id, min_ms, upto_ms)
  SELECT first_id, last_id, min_ms,
         max(max_ms) OVER (ORDER BY first_id ROWS UNBOUNDED PRECEDING)
  FROM (SELECT min(id) AS first_id, max(id) AS last_id,
               min(decided_at_ms) AS min_ms, max(decided_at_ms) AS max_ms
        FROM decisions GROUP BY id >> 12);
DROP TABLE decision_rules;
DROP TABLE decision_shadow_rules;
CREATE TABLE decisions_v9 (
  id INTEGER PRIMARY KEY,
  tx_id TEXT NOT NULL UNIQUE,
  card_id TEXT NOT NULL,
  action INTEGER NOT NULL,
  decided_at_ms INTEGER NOT NULL,
  rules TEXT NOT NULL,
  payload BLOB NOT NULL,
  model_version TEXT NOT NULL DEFAULT ''
);
INSERT INTO decisions_v9(id, tx_id, card_id, action, decided_at_ms, rules,
                         payload, model_version)
  SELECT id, tx_id, card_id, action, decided_at_ms, rules, payload,
         model_version
  FROM decisions ORDER BY id;
DROP TABLE decisions;
ALTER TABLE decisions_v9 RENAME TO decisions;
CREATE INDEX decisions_by_card ON decisions(card_id, id);
CREATE VIEW decision_actions AS
  SELECT p.name AS action, j.value AS decision_id, p.first_id AS run
  FROM decision_postings p, json_each(p.ids) j WHERE p.kind = 3;
CREATE VIEW decision_rules AS
  SELECT p.name AS rule, j.value AS decision_id, p.first_id AS run
  FROM decision_postings p, json_each(p.ids) j WHERE p.kind = 1;
CREATE VIEW decision_shadow_rules AS
  SELECT p.name AS rule, j.value AS decision_id, p.first_id AS run
  FROM decision_postings p, json_each(p.ids) j WHERE p.kind = 2;
)sql";

// Version 10: no index on tx_id or card_id (issue 18): the last random
// B-tree inserts of a decision. Their keys are appended instead, a sorted
// run per written batch, merged in the background (service/key_runs.hpp,
// service/key_merge.hpp): a run lists (key hash, decision id) pairs of one
// kind (1: tx_id, 2: card_id) in blocks of up to 240 pairs, each found by
// its last key. `state` 1 is a merge's target being built; its sources
// name it in merging_into until the merge ends. tx_id stays unique: the
// writer looks a new tx_id up before storing it. The table is rebuilt
// without the UNIQUE constraint (its index cannot be dropped otherwise),
// and the rows' keys become one run of each kind (build_key_runs).
const char* schema_v10 = R"sql(
CREATE TABLE decision_key_runs (
  run INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  tier INTEGER NOT NULL,
  min_id INTEGER NOT NULL,
  max_id INTEGER NOT NULL,
  pairs INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  merging_into INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX decision_key_runs_by_tier
  ON decision_key_runs(kind, tier, run);
CREATE TABLE decision_key_blocks (
  block INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  last_key INTEGER NOT NULL,
  pairs BLOB NOT NULL
);
CREATE INDEX decision_key_blocks_by_key
  ON decision_key_blocks(run, last_key, block);
CREATE TABLE decisions_v10 (
  id INTEGER PRIMARY KEY,
  tx_id TEXT NOT NULL,
  card_id TEXT NOT NULL,
  action INTEGER NOT NULL,
  decided_at_ms INTEGER NOT NULL,
  rules TEXT NOT NULL,
  payload BLOB NOT NULL,
  model_version TEXT NOT NULL DEFAULT ''
);
INSERT INTO decisions_v10(id, tx_id, card_id, action, decided_at_ms, rules,
                          payload, model_version)
  SELECT id, tx_id, card_id, action, decided_at_ms, rules, payload,
         model_version
  FROM decisions ORDER BY id;
DROP TABLE decisions;
ALTER TABLE decisions_v10 RENAME TO decisions;
)sql";

// The tier of the runs a migration writes: above any a merge makes, so
// that they are never merged (a lookup reads one block of each).
constexpr std::int64_t migrated_tier = 64;

fraud::error build_key_runs(sqlite_connection& db) {
  auto read = db.prepare("SELECT id, tx_id, card_id FROM decisions");
  if (!read)
    return read.error();
  std::vector<key_pair> tx, card;
  int rc;
  while ((rc = read->step()) == SQLITE_ROW) {
    auto id = read->int64(0);
    tx.push_back({default_key_hash(read->blob(1)), id});
    card.push_back({default_key_hash(read->blob(2)), id});
  }
  if (rc != SQLITE_DONE)
    return db.error("reading the keys of decisions");
  auto runs = key_merger::open(db);
  if (!runs)
    return runs.error();
  for (auto* keys : {&tx, &card}) {
    if (keys->empty())
      continue;
    std::sort(keys->begin(), keys->end());
    if (auto err = runs->append_run(keys == &tx ? key_kind_tx : key_kind_card,
                                    migrated_tier, *keys))
      return err;
  }
  return fraud::error{};
}

fraud::error backfill_rules(sqlite_connection& db) {
  auto read = db.prepare("SELECT id, rules FROM decisions WHERE rules != ''");
  auto write = db.prepare(
    "INSERT OR IGNORE INTO decision_rules(rule, decision_id) VALUES (?, ?)");
  if (!read)
    return read.error();
  if (!write)
    return write.error();
  int rc;
  while ((rc = read->step()) == SQLITE_ROW) {
    auto id = read->int64(0);
    std::istringstream rules{read->text(1)};
    std::string rule;
    while (rules >> rule) {
      write->bind(1, rule, true);
      write->bind(2, id);
      if (write->step() != SQLITE_DONE)
        return db.error("backfilling decision_rules");
      write->reset();
    }
  }
  if (rc != SQLITE_DONE)
    return db.error("reading decisions for the rule index");
  return fraud::error{};
}

fraud::error step_to(sqlite_connection& db, std::int64_t version) {
  switch (version) {
    case 1:
      return db.exec(schema_v1);
    case 2:
      if (auto err = db.exec(schema_v2))
        return err;
      return backfill_rules(db);
    case 3:
      return db.exec(schema_v3);
    case 4:
      return db.exec(schema_v4);
    case 5:
      return db.exec(schema_v5);
    case 6:
      return db.exec(schema_v6);
    case 7:
      return db.exec(schema_v7);
    case 8:
      return db.exec(schema_v8);
    case 9:
      return db.exec(schema_v9);
    case 10:
      if (auto err = db.exec(schema_v10))
        return err;
      return build_key_runs(db);
  }
  return make_error(ec::store_error,
                    "no migration to version " + std::to_string(version));
}

} // namespace

std::string first_id_since(const std::string& param) {
  return "(SELECT first_id FROM decision_batches WHERE upto_ms >= " + param
         + " ORDER BY upto_ms, first_id LIMIT 1)";
}

fraud::expected<std::int64_t> first_decision_since(sqlite_connection& db,
                                                   std::int64_t since_ms) {
  if (since_ms <= 0)
    return std::int64_t{0};
  auto st = db.prepare("SELECT coalesce(" + first_id_since("?1")
                       + ", 9223372036854775807)");
  if (!st)
    return st.error();
  st->bind(1, since_ms);
  if (st->step() != SQLITE_ROW)
    return db.error("finding the first decision since a time");
  return st->int64(0);
}

fraud::error migrate(sqlite_connection& db, std::int64_t target) {
  auto current = db.user_version();
  if (!current)
    return current.error();
  if (*current > decision_schema_version)
    return make_error(ec::store_error,
                      "database schema version " + std::to_string(*current)
                        + " is newer than this fraudd understands ("
                        + std::to_string(decision_schema_version) + ")");
  for (auto v = *current + 1; v <= target; ++v) {
    // Each step and its version bump commit together, or not at all.
    if (auto err = db.exec("BEGIN IMMEDIATE"))
      return err;
    auto err = step_to(db, v);
    if (!err)
      err = db.exec("PRAGMA user_version=" + std::to_string(v));
    if (!err)
      err = db.exec("COMMIT");
    if (err) {
      db.rollback();
      return err;
    }
  }
  return fraud::error{};
}

fraud::expected<std::unique_ptr<sqlite_connection>>
open_migrated(const std::string& path) {
  auto db = sqlite_connection::open(path, true);
  if (!db)
    return db.error();
  if (auto err = migrate(**db))
    return err;
  return db;
}

} // namespace fraud::service
