#include "models/entity_features.hpp"

namespace fraud::models {

namespace {

constexpr entity_kind kinds[] = {entity_kind::device, entity_kind::ip,
                                 entity_kind::merchant};

} // namespace

std::string_view entity_id(const transaction& tx, entity_kind kind) {
  switch (kind) {
    case entity_kind::device:
      return tx.device_id;
    case entity_kind::ip:
      return tx.ip;
    case entity_kind::merchant:
      return tx.card_present() ? std::string_view{}
                               : std::string_view{tx.merchant_id};
  }
  return {};
}

bool names_entities(const transaction& tx) {
  for (auto k : kinds)
    if (!entity_id(tx, k).empty())
      return true;
  return false;
}

entity_use use_of(const transaction& tx, const rates& fx) {
  entity_use u;
  u.card = card_hash(tx.card_id);
  u.time_ms = tx.event_time_ms;
  if (!tx.card_present()) {
    auto* from = fx.find(tx.currency);
    auto* reference = fx.find(fx.reference());
    u.small_cnp = from != nullptr && reference != nullptr
                  && rates::convert(tx.amount_minor, *from, *reference)
                       <= small_amount;
  }
  return u;
}

void add_entity_features(features& f, const entity_views& views) {
  auto& d = views[static_cast<std::size_t>(entity_kind::device)];
  f.device_cards_10m = d.cards_10m;
  f.device_cards_1h = d.cards_1h;
  f.device_cards_24h = d.cards_24h;
  f.device_declined_share_1h = d.declined_share_1h;
  auto& i = views[static_cast<std::size_t>(entity_kind::ip)];
  f.ip_cards_10m = i.cards_10m;
  f.ip_cards_1h = i.cards_1h;
  f.ip_cards_24h = i.cards_24h;
  f.ip_declined_share_1h = i.declined_share_1h;
  auto& m = views[static_cast<std::size_t>(entity_kind::merchant)];
  f.merchant_cards_10m = m.cards_10m;
  f.merchant_small_cnp_count_1m = m.small_cnp_count_1m;
  f.merchant_small_cnp_count_10m = m.small_cnp_count_10m;
  f.merchant_small_cnp_cards_1m = m.small_cnp_cards_1m;
  f.merchant_small_cnp_cards_10m = m.small_cnp_cards_10m;
  f.merchant_declined_share_1h = m.declined_share_1h;
}

entity_views entity_book::observe(const transaction& tx, const rates& fx) {
  entity_views views;
  auto use = use_of(tx, fx);
  for (auto k : kinds) {
    auto id = entity_id(tx, k);
    if (!id.empty())
      views[static_cast<std::size_t>(k)]
        = entities_[static_cast<std::size_t>(k)][std::string{id}].observe(use);
  }
  return views;
}

void entity_book::declined(const transaction& tx) {
  for (auto k : kinds) {
    auto id = entity_id(tx, k);
    if (id.empty())
      continue;
    auto& m = entities_[static_cast<std::size_t>(k)];
    auto e = m.find(std::string{id});
    if (e != m.end())
      e->second.declined(tx.event_time_ms);
  }
}

std::size_t entity_book::size() const {
  std::size_t n = 0;
  for (auto& m : entities_)
    n += m.size();
  return n;
}

} // namespace fraud::models
