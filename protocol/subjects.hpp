// Every NATS subject of the wire contract, in one place (README: "Wire
// contract"), and the card token inside a transaction subject. Clients
// (fraudctl, fraud-sim, the benchmarks) and fraudd name subjects only
// through these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/decision.hpp"

namespace fraud::protocol::subjects {

// Transactions: request (or publish) fraud.tx.<card_id>, Transaction in,
// Decision as the reply.
inline constexpr const char* tx_prefix = "fraud.tx.";
inline constexpr const char* tx_all = "fraud.tx.*";
// In a cluster the servers map fraud.tx.<card> to fraud.p.<partition>.<card>
// (deploy/nats/cluster/cluster.conf; protocol/partition.hpp).
inline constexpr const char* partition_prefix = "fraud.p.";

// What fraudd publishes for everyone: fraud.decisions.<action>.<card_id>
// (Decision) and fraud.rejected (Rejection).
inline constexpr const char* decisions_prefix = "fraud.decisions.";
inline constexpr const char* decisions_all = "fraud.decisions.>";
inline constexpr const char* rejected = "fraud.rejected";

// Queries, request-reply.
inline constexpr const char* query_decision = "fraud.query.decision";
inline constexpr const char* query_card = "fraud.query.card";
inline constexpr const char* query_decisions = "fraud.query.decisions";
inline constexpr const char* stats = "fraud.stats";

// Outcomes (README: Review queue and outcomes): labels in and case
// resolutions are changes, signed like rules changes; the reads are
// queries every instance answers.
inline constexpr const char* labels = "fraud.labels";
inline constexpr const char* cases_prefix = "fraud.cases.";
inline constexpr const char* cases_resolve = "fraud.cases.resolve";
inline constexpr const char* query_cases = "fraud.query.cases";
inline constexpr const char* query_labels = "fraud.query.labels";
inline constexpr const char* query_performance = "fraud.query.performance";

// Rules and lists, request-reply: <prefix><verb>.
inline constexpr const char* rules_prefix = "fraud.rules.";
inline constexpr const char* rules_set = "fraud.rules.set";
inline constexpr const char* rules_get = "fraud.rules.get";
inline constexpr const char* rules_rollback = "fraud.rules.rollback";
inline constexpr const char* rules_history = "fraud.rules.history";
inline constexpr const char* rules_shadow = "fraud.rules.shadow";
inline constexpr const char* lists_prefix = "fraud.lists.";
inline constexpr const char* lists_add = "fraud.lists.add";
inline constexpr const char* lists_remove = "fraud.lists.remove";
inline constexpr const char* lists_get = "fraud.lists.get";
// Exchange rates, request-reply, in the rules' messages (README: Money).
inline constexpr const char* rates_prefix = "fraud.rates.";
inline constexpr const char* rates_set = "fraud.rates.set";
inline constexpr const char* rates_get = "fraud.rates.get";
inline constexpr const char* rates_history = "fraud.rates.history";
inline constexpr const char* rates_rollback = "fraud.rates.rollback";
// The trained model, request-reply, in the rules' messages (README:
// Deploying a model).
inline constexpr const char* model_prefix = "fraud.model.";
inline constexpr const char* model_set = "fraud.model.set";
inline constexpr const char* model_get = "fraud.model.get";
inline constexpr const char* model_rollback = "fraud.model.rollback";
inline constexpr const char* model_history = "fraud.model.history";

// In a cluster, the entity observations of each instance's cards, for
// the others (protocol/entity_codec.hpp): fraud.cluster.entities.<instance>,
// published and read by fraudd only.
inline constexpr const char* entities_prefix = "fraud.cluster.entities.";
inline constexpr const char* entities_all = "fraud.cluster.entities.*";

/// True for the subjects whose requests change rules, lists, rates or the
/// model (set, rollback, add, remove) or outcomes (fraud.labels,
/// fraud.cases.resolve). They must carry an analyst's signature (README:
/// Security).
bool is_change(std::string_view subject);

/// "fraud.p.<p>.*": the transactions of partition p.
std::string partition(std::uint32_t p);

/// The card token of a transaction subject: token `position` counted from
/// 1, or the last token when position is 0. Empty when there is none.
std::string_view card_token(std::string_view subject, int position);

/// fraud.decisions.<action>.<card_id>, written into `out`.
void decision_subject(models::action a, const std::string& card_id,
                      std::string& out);

} // namespace fraud::protocol::subjects
