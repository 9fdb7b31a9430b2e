#include "simulator/typologies.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "simulator/cities.hpp"
#include "simulator/legit_activity.hpp"

namespace fraud::simulator {

namespace {

using protocol::fraud_label;

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t hour_ms = 60 * minute_ms;
constexpr std::int64_t day_ms = 24 * hour_ms;

class attack {
public:
  attack(fraud_label kind, const attack_context& ctx, rng& r,
         std::vector<sim_record>& records)
    : kind_(kind), ctx_(ctx), card_(ctx.scene.card), r_(r), records_(records) {}

  bool run() {
    switch (kind_) {
      case fraud_label::card_testing:
        return card_testing();
      case fraud_label::impossible_travel:
        return impossible_travel();
      case fraud_label::account_takeover:
        return account_takeover();
      case fraud_label::stolen_card_spree:
        return stolen_card_spree();
      case fraud_label::slow_anomaly:
        return slow_anomaly();
      case fraud_label::legitimate:
      case fraud_label::fraud_ring:             // many cards at once:
      case fraud_label::merchant_card_testing:  // group_typologies.hpp
        break;
    }
    return false;
  }

private:
  // A burst of small online payments from the tester's own device and
  // place, to learn whether the card works, then a large purchase.
  bool card_testing() {
    auto& all = cities();
    int where = static_cast<int>(r_.below(all.size()));
    int device = ctx_.scene.ids.new_device(r_);
    int ip = ctx_.scene.ids.new_ip(r_);
    auto t = start_between(ctx_.from_ms, ctx_.scene.end_ms - 2 * hour_ms);
    bool domestic = r_.chance(0.5);
    int probe_shop = ctx_.scene.shops.online(r_, category::digital_goods,
                                       card_.home->country, domestic);
    int probes = r_.between(3, 8);
    for (int i = 0; i < probes; ++i) {
      double amount = r_.chance(0.3) ? 1.0 : r_.uniform(0.5, 3.0);
      online(t, probe_shop, device, ip, where, amount);
      t += std::max<std::int64_t>(3000, static_cast<std::int64_t>(
                                          r_.exponential(40'000)));
    }
    t += static_cast<std::int64_t>(r_.uniform(2, 40) * minute_ms);
    static const std::vector<category> cash_out = {
      category::marketplace, category::marketplace, category::travel_agency,
      category::digital_goods};
    int shop = ctx_.scene.shops.online(r_, cash_out[r_.below(cash_out.size())],
                                 card_.home->country, r_.chance(0.5));
    online(t, shop, device, ip, where,
           r_.uniform(150, 1200) * card_.home->units_per_usd);
    return true;
  }

  // The card was skimmed; its clone is used in a city far away, sooner
  // after the cardholder's genuine use than any flight could get there.
  bool impossible_travel() {
    std::int64_t genuine_ms = 0;
    auto* stay = genuine_use(ctx_.scene.end_ms - hour_ms, false, genuine_ms);
    if (stay == nullptr)
      return false;
    auto& all = cities();
    std::vector<int> far;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (city_distance_km(stay->city, static_cast<int>(i)) >= 2000)
        far.push_back(static_cast<int>(i));
    int where = r_.pick(far);
    double km = city_distance_km(stay->city, where);
    auto reachable_ms = static_cast<std::int64_t>(km / fastest_travel_kmh
                                                  * hour_ms);
    auto t = genuine_ms
             + static_cast<std::int64_t>(r_.uniform(
               10 * minute_ms,
               std::min<double>(4 * hour_ms, 0.4 * reachable_ms)));
    auto deadline = genuine_ms + reachable_ms * 85 / 100;
    int uses = r_.between(2, 5);
    static const std::vector<category> goods = {
      category::grocery, category::fuel, category::department_store,
      category::clothing, category::restaurant};
    for (int i = 0; i < uses && t < deadline && t < ctx_.scene.end_ms; ++i) {
      if (r_.chance(0.35)) {
        double cash = std::round(r_.uniform(100, 500)
                                 * card_.home->units_per_usd / 20.0) * 20.0;
        in_store(t, where, category::atm, cash);
      } else {
        in_store(t, where, goods[r_.below(goods.size())],
                 card_.median_amount * r_.uniform(1, 5));
      }
      t += static_cast<std::int64_t>(r_.uniform(5, 30) * minute_ms);
    }
    return true;
  }

  // Someone logs in to the cardholder's account from their own device in
  // another country, looks around with a modest purchase, then spends big.
  // There must be an account to take over: the card was used online before.
  bool account_takeover() {
    std::int64_t first_online = INT64_MAX;
    for (auto& x : records_)
      if (x.channel == models::channel::ecom && x.time_ms < first_online)
        first_online = x.time_ms;
    if (first_online == INT64_MAX)
      return false;
    auto from = std::max(ctx_.from_ms, first_online + hour_ms);
    if (from >= ctx_.scene.end_ms - 6 * hour_ms)
      return false;
    auto& all = cities();
    std::vector<int> abroad;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (std::strcmp(all[i].country, card_.home->country) != 0)
        abroad.push_back(static_cast<int>(i));
    int where = r_.pick(abroad);
    int device = ctx_.scene.ids.new_device(r_);
    int ip = ctx_.scene.ids.new_ip(r_);
    auto t = start_between(from, ctx_.scene.end_ms - 6 * hour_ms);
    if (r_.chance(0.6)) {
      int shop = ctx_.scene.shops.online(r_, category::marketplace,
                                   card_.home->country, r_.chance(0.6));
      online(t, shop, device, ip, where,
             card_.median_amount * r_.uniform(0.5, 2));
      t += static_cast<std::int64_t>(r_.uniform(3, 45) * minute_ms);
    }
    int big = r_.between(2, 4);
    static const std::vector<category> goods = {
      category::marketplace, category::marketplace, category::travel_agency,
      category::airline};
    for (int i = 0; i < big; ++i) {
      int shop = ctx_.scene.shops.online(r_, goods[r_.below(goods.size())],
                                   card_.home->country, r_.chance(0.6));
      online(t, shop, device, ip, where,
             card_.median_amount * r_.uniform(5, 15));
      t += static_cast<std::int64_t>(r_.uniform(3, 45) * minute_ms);
    }
    return true;
  }

  // The card is stolen where its owner is; the thief buys expensive goods
  // in shop after shop. The owner never uses the card again.
  bool stolen_card_spree() {
    std::int64_t stolen_at = 0;
    auto* stay = genuine_use(ctx_.scene.end_ms - 4 * hour_ms, true, stolen_at);
    if (stay == nullptr)
      return false;
    records_.erase(std::remove_if(records_.begin(), records_.end(),
                                  [&](const sim_record& x) {
                                    return x.time_ms > stolen_at;
                                  }),
                   records_.end());
    auto t = stolen_at
             + static_cast<std::int64_t>(r_.uniform(10, 120) * minute_ms);
    int buys = r_.between(5, 12);
    static const std::vector<category> goods = {
      category::electronics, category::jewelry, category::department_store,
      category::clothing};
    for (int i = 0; i < buys && t < ctx_.scene.end_ms; ++i) {
      in_store(t, stay->city, goods[r_.below(goods.size())],
               card_.median_amount * r_.uniform(3, 10));
      t += static_cast<std::int64_t>(r_.uniform(3, 15) * minute_ms);
    }
    return true;
  }

  // Someone with access to the card and the cardholder's phone (a
  // household member, a carer) spends far above the card's habit, a few
  // times over days, where the cardholder is: only the amounts stand out.
  bool slow_anomaly() {
    auto span = static_cast<std::int64_t>(r_.uniform(2, 6) * day_ms);
    auto first = start_between(ctx_.from_ms, ctx_.scene.end_ms - span);
    int n = r_.between(3, 6);
    int added = 0;
    for (int i = 0; i < n; ++i) {
      auto day = first + static_cast<std::int64_t>(r_.uniform() * span);
      auto offset = utc_offset_hours(cities()[card_.home_city]) * hour_ms;
      auto t = day - day % day_ms - offset
               + static_cast<std::int64_t>(r_.uniform(9, 21) * hour_ms);
      auto* stay = ctx_.scene.trips.at(t);
      if (stay == nullptr || t < ctx_.from_ms || t >= ctx_.scene.end_ms)
        continue;
      double amount = card_.median_amount * r_.uniform(6, 20);
      if (r_.chance(0.5)) {
        int shop = ctx_.scene.shops.online(r_, category::marketplace,
                                     card_.home->country, true);
        int ip = stay->home ? card_.home_ips[0] : stay->ip;
        online(t, shop, card_.devices[0], ip, stay->city, amount);
      } else {
        static const std::vector<category> goods = {
          category::electronics, category::jewelry,
          category::department_store, category::furniture};
        in_store(t, stay->city, goods[r_.below(goods.size())], amount);
      }
      ++added;
    }
    return added > 0;
  }

  std::int64_t start_between(std::int64_t from, std::int64_t to) {
    if (to <= from)
      return from;
    return from + static_cast<std::int64_t>(r_.uniform()
                                            * static_cast<double>(to - from));
  }

  // A random genuine transaction from the attack window's start until
  // `to` (card-present only if asked): its time, and where the cardholder
  // was. nullptr when there is none.
  const stay* genuine_use(std::int64_t to, bool card_present,
                          std::int64_t& at) {
    std::vector<std::int64_t> times;
    for (auto& x : records_)
      if (x.label == fraud_label::legitimate && x.time_ms >= ctx_.from_ms
          && x.time_ms < to
          && (!card_present || x.channel != models::channel::ecom))
        times.push_back(x.time_ms);
    if (times.empty())
      return nullptr;
    at = times[r_.below(times.size())];
    return ctx_.scene.trips.at(at);
  }

  sim_record base(std::int64_t t) const {
    sim_record rec;
    rec.time_ms = t;
    rec.card = ctx_.scene.card_index;
    rec.label = kind_;
    rec.attack_id = ctx_.attack_id;
    return rec;
  }

  void in_store(std::int64_t t, int city, category c, double major) {
    auto rec = base(t);
    rec.merchant = ctx_.scene.shops.local(r_, city, c);
    auto& shop = ctx_.scene.shops[rec.merchant];
    rec.lat = shop.lat;
    rec.lon = shop.lon;
    rec.channel = info(c).channel;
    rec.amount_minor = to_minor(major);
    records_.push_back(rec);
  }

  void online(std::int64_t t, int shop, int device, int ip, int city,
              double major) {
    auto rec = base(t);
    rec.merchant = shop;
    rec.device = device;
    rec.ip = ip;
    auto at = near(cities()[city], r_, ip_radius_km);
    rec.lat = at.lat;
    rec.lon = at.lon;
    rec.channel = models::channel::ecom;
    rec.amount_minor = to_minor(major);
    records_.push_back(rec);
  }

  fraud_label kind_;
  const attack_context& ctx_;
  const card_profile& card_;
  rng& r_;
  std::vector<sim_record>& records_;
};

} // namespace

bool inject_attack(fraud_label kind, const attack_context& ctx, rng& r,
                   std::vector<sim_record>& records) {
  auto before = records;
  attack a{kind, ctx, r, records};
  if (a.run())
    return true;
  records = std::move(before);
  return false;
}

} // namespace fraud::simulator
