// Between a transaction and the entities it names: which ones (its device,
// its IP address, and for a card-not-present payment its merchant), what
// each records of it, and how their views become features for the rules.
// Shared by the live entity actors and the backtest's entity_book, so that
// both see the same features for the same uses in the same order.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/decision.hpp"
#include "models/entity_state.hpp"
#include "models/features.hpp"
#include "models/rates.hpp"
#include "models/transaction.hpp"

namespace fraud::models {

using entity_views = std::array<entity_view, entity_kinds>;

/// The id of the transaction's entity of that kind; "" when it names none
/// (no device or IP address given; a card-present payment's merchant,
/// which the merchant features leave out).
std::string_view entity_id(const transaction& tx, entity_kind kind);

/// Whether the transaction names any entity: without one it pays nothing
/// for them.
bool names_entities(const transaction& tx);

/// What an entity records of the transaction. Small is judged in the
/// rates' reference currency (small_amount: 5.00 EUR with the built-in
/// table), the same for every card; an amount in a currency the rates do
/// not know is never small.
entity_use use_of(const transaction& tx, const rates& fx);

/// One transaction's use of its entities as an instance of a cluster tells
/// the others (README: "Entity state"): what each entity records of it,
/// whether it was declined, and the ids of the entities it named ("" for
/// a kind it did not name).
struct entity_observation {
  entity_use use;
  bool declined = false;
  std::array<std::string, entity_kinds> ids;
};

/// The observations one instance publishes at once.
struct entity_observations {
  std::string instance;
  std::vector<entity_observation> items;
};

/// The views as the rules read them (device.cards_1h, ...).
void add_entity_features(features& f, const entity_views& views);

/// Every entity's state, in one place: for a backtest, which replays a
/// dataset in order on one thread (live, each entity is an actor's).
/// Unbounded: it holds every entity of the dataset.
class entity_book {
public:
  /// Records the transaction with each entity it names; their views.
  entity_views observe(const transaction& tx, const rates& fx);

  /// Tells the transaction's entities it was declined.
  void declined(const transaction& tx);

  std::size_t size() const;

private:
  std::array<std::unordered_map<std::string, entity_state>, entity_kinds>
    entities_;
};

} // namespace fraud::models
