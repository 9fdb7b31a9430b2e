#include "service/decision_db.hpp"

#include <algorithm>

#include "protocol/codec.hpp"
#include "models/error.hpp"
#include "service/decision_schema.hpp"

namespace fraud::service {

fraud::expected<std::unique_ptr<decision_db>>
decision_db::open(const std::string& path) {
  std::unique_ptr<decision_db> self{new decision_db};
  auto db = sqlite_connection::open(path, true);
  if (!db)
    return db.error();
  self->db_ = std::move(*db);
  if (auto err = migrate(*self->db_))
    return err;
  auto prep = [&](sqlite_statement& st, const char* sql) {
    return self->db_->prepare(st, sql);
  };
  if (auto err = prep(self->insert_,
                      "INSERT OR IGNORE INTO decisions(tx_id, card_id, "
                      "action, score, amount_minor, currency, merchant_id, "
                      "mcc, country, channel, event_time_ms, decided_at_ms, "
                      "ruleset_version, latency_ns, rules, payload, "
                      "model_version) VALUES "
                      "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"))
    return err;
  if (auto err = prep(self->insert_rule_,
                      "INSERT OR IGNORE INTO decision_rules(rule, "
                      "decision_id) VALUES (?, ?)"))
    return err;
  if (auto err = prep(self->insert_shadow_rule_,
                      "INSERT OR IGNORE INTO decision_shadow_rules(rule, "
                      "decision_id) VALUES (?, ?)"))
    return err;
  if (auto err = prep(self->insert_case_,
                      "INSERT OR IGNORE INTO cases(tx_id, card_id, "
                      "opened_at_ms, score, rules, amount_minor, currency, "
                      "merchant_id) VALUES (?,?,?,?,?,?,?,?)"))
    return err;
  if (auto err = prep(self->purge_,
                      "DELETE FROM decisions WHERE id IN (SELECT id FROM "
                      "decisions WHERE decided_at_ms < ? LIMIT 10000)"))
    return err;
  return self;
}

fraud::error decision_db::write_one(std::string_view payload,
                                   std::size_t& added) {
  thread_local models::decision d;
  thread_local protocol::decision_envelope env;
  thread_local std::string rules;
  if (!protocol::decode_decision(payload.data(), payload.size(), d, env).ok())
    return make_error(ec::store_error, "an undecodable decision was queued");
  rules.clear();
  for (auto& r : d.reasons) {
    if (!rules.empty())
      rules.push_back(' ');
    rules += r.rule;
  }
  auto& st = insert_;
  st.bind(1, d.tx_id);
  st.bind(2, d.card_id);
  st.bind(3, static_cast<std::int64_t>(d.action));
  st.bind(4, std::int64_t{d.score});
  st.bind(5, d.amount_minor);
  st.bind(6, d.currency);
  st.bind(7, d.merchant_id);
  st.bind(8, std::int64_t{d.mcc});
  st.bind(9, d.country);
  st.bind(10, static_cast<std::int64_t>(d.channel));
  st.bind(11, d.event_time_ms);
  st.bind(12, env.decided_at_ms);
  st.bind(13, d.ruleset_version);
  st.bind(14, env.service_latency_ns);
  st.bind(15, rules);
  st.bind_blob(16, payload);
  st.bind(17, d.model_version);
  auto rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE)
    return db_->error("inserting decision " + d.tx_id);
  if (sqlite3_changes(db_->get()) == 0)
    return fraud::error{}; // tx_id already stored: the first decision stays
  ++added;
  auto id = sqlite3_last_insert_rowid(db_->get());
  for (auto* index : {&insert_rule_, &insert_shadow_rule_}) {
    auto& reasons = index == &insert_rule_ ? d.reasons : d.shadow_reasons;
    for (auto& r : reasons) {
      index->bind(1, r.rule);
      index->bind(2, id);
      rc = index->step();
      index->reset();
      if (rc != SQLITE_DONE)
        return db_->error("indexing rule " + r.rule);
    }
  }
  for (auto& r : d.reasons)
    ++batch_hits_[r.rule];
  if (d.action == models::action::review)
    return open_case(d, env.decided_at_ms, rules);
  return fraud::error{};
}

// In the writer's batch: a REVIEW costs one more insert in a transaction
// already open, and nothing on the card's thread.
fraud::error decision_db::open_case(const models::decision& d,
                                    std::int64_t decided_at_ms,
                                    const std::string& rules) {
  auto& st = insert_case_;
  st.bind(1, d.tx_id);
  st.bind(2, d.card_id);
  st.bind(3, decided_at_ms);
  st.bind(4, std::int64_t{d.score});
  st.bind(5, rules);
  st.bind(6, d.amount_minor);
  st.bind(7, d.currency);
  st.bind(8, d.merchant_id);
  auto rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE)
    return db_->error("opening the case of " + d.tx_id);
  batch_cases_ += static_cast<std::uint64_t>(sqlite3_changes(db_->get()));
  return fraud::error{};
}

fraud::expected<std::size_t>
decision_db::write(const std::vector<std::string_view>& decisions) {
  if (auto err = db_->exec("BEGIN"))
    return err;
  std::size_t added = 0;
  batch_hits_.clear();
  batch_cases_ = 0;
  for (auto payload : decisions) {
    if (auto err = write_one(payload, added)) {
      db_->rollback();
      return err;
    }
  }
  if (auto err = db_->exec("COMMIT")) {
    db_->rollback();
    return err;
  }
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
    auto rc = purge_.step();
    purge_.reset();
    if (rc != SQLITE_DONE)
      return db_->error("purging old decisions");
    auto n = static_cast<std::size_t>(sqlite3_changes(db_->get()));
    total += n;
    if (n < 10000)
      return total;
  }
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
