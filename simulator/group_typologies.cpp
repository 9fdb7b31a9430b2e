#include "simulator/group_typologies.hpp"

#include <algorithm>

#include "simulator/cities.hpp"
#include "simulator/legit_activity.hpp"

namespace fraud::simulator {

namespace {

using protocol::fraud_label;

constexpr std::int64_t second_ms = 1000;
constexpr std::int64_t minute_ms = 60 * second_ms;
constexpr std::int64_t hour_ms = 60 * minute_ms;

// Victims of a ring live within this of where it operates: their details
// were stolen at a local business, and nothing about the ring's address
// looks far from home to any of them.
constexpr double ring_reach_km = 250;
constexpr std::uint32_t min_tested_cards = 10;

class group_attack {
public:
  group_attack(fraud_label kind, std::uint32_t attack_id, group_scene& scene,
               rng& r)
    : kind_(kind), attack_id_(attack_id), scene_(scene), r_(r) {}

  // A ring with a breach's worth of card details from one town works
  // through them in one sitting from two or three laptops behind one or
  // two addresses, buying goods to resell: each card once to three times,
  // for amounts its owner might spend, at the web shops its owner's
  // country uses. Each card alone shows a new device near home.
  std::uint32_t fraud_ring(std::uint32_t size, std::uint32_t min_cards,
                           std::vector<std::uint32_t>& candidates) {
    if (candidates.empty())
      return 0;
    int city = scene_.cards[candidates.front()].home_city;
    std::vector<std::uint32_t> victims;
    for (auto c : candidates)
      if (victims.size() < size
          && city_distance_km(scene_.cards[c].home_city, city) <= ring_reach_km)
        victims.push_back(c);
    if (victims.size() < std::min(size, min_cards))
      return 0;
    std::vector<int> devices, ips;
    std::vector<point> ip_at;
    for (int i = r_.between(2, 3); i > 0; --i)
      devices.push_back(scene_.ids.new_device(r_));
    for (int i = r_.between(1, 2); i > 0; --i) {
      ips.push_back(scene_.ids.new_ip(r_));
      ip_at.push_back(near(cities()[city], r_, ip_radius_km));
    }
    auto t = start_between(scene_.from_ms, scene_.end_ms - 2 * hour_ms);
    static const std::vector<category> goods = {
      category::marketplace, category::marketplace, category::digital_goods,
      category::food_delivery};
    for (auto c : victims) {
      auto& card = scene_.cards[c];
      int buys = r_.chance(0.5) ? 1 : r_.chance(0.7) ? 2 : 3;
      auto at = t;
      for (int i = 0; i < buys; ++i) {
        auto device = r_.pick(devices);
        auto k = r_.below(ips.size());
        int shop = scene_.shops.online(r_, goods[r_.below(goods.size())],
                                       card.home->country, true);
        add(c, at, shop, device, ips[k], ip_at[k],
            card.median_amount * r_.uniform(0.8, 2.5));
        at += static_cast<std::int64_t>(r_.uniform(1, 4) * minute_ms);
      }
      t += std::max<std::int64_t>(15 * second_ms, static_cast<std::int64_t>(
                                                    r_.exponential(60'000)));
    }
    take(victims, candidates);
    return static_cast<std::uint32_t>(victims.size());
  }

  // A tester with a list of stolen numbers checks them at one small web
  // shop before selling them on: each card once, or twice when the first
  // try leaves doubt, for a coin-sized amount, seconds apart. A bot with a
  // fresh device fingerprint for every card and residential proxies near
  // each card's home defeats the device and distance checks: each card
  // alone made one small purchase online. Only the shop sees the flood.
  std::uint32_t merchant_card_testing(std::uint32_t size,
                                      std::vector<std::uint32_t>& candidates) {
    std::vector<std::uint32_t> victims(
      candidates.begin(),
      candidates.begin() + std::min<std::size_t>(size, candidates.size()));
    if (victims.size() < std::min(size, min_tested_cards))
      return 0;
    auto& issuing = issuing_markets();
    auto* country = issuing[r_.below(issuing.size())].country;
    static const std::vector<category> shops = {
      category::digital_goods, category::streaming, category::food_delivery};
    int shop = scene_.shops.online(r_, shops[r_.below(shops.size())], country,
                                   true);
    auto t = start_between(scene_.from_ms, scene_.end_ms - hour_ms);
    for (auto c : victims) {
      auto& card = scene_.cards[c];
      int device = scene_.ids.new_device(r_);
      int ip = scene_.ids.new_ip(r_);
      auto at = near(cities()[card.home_city], r_, ip_radius_km);
      int tries = r_.chance(0.3) ? 2 : 1;
      auto when = t;
      for (int i = 0; i < tries; ++i) {
        double amount = r_.chance(0.4) ? 1.0 : r_.uniform(0.5, 3.0);
        add(c, when, shop, device, ip, at, amount);
        when += static_cast<std::int64_t>(r_.uniform(5, 30) * second_ms);
      }
      t += std::max<std::int64_t>(3 * second_ms, static_cast<std::int64_t>(
                                                   r_.exponential(20'000)));
    }
    take(victims, candidates);
    return static_cast<std::uint32_t>(victims.size());
  }

private:
  std::int64_t start_between(std::int64_t from, std::int64_t to) {
    if (to <= from)
      return from;
    return from + static_cast<std::int64_t>(r_.uniform()
                                            * static_cast<double>(to - from));
  }

  void add(std::uint32_t card, std::int64_t t, int shop, int device, int ip,
           point at, double major) {
    if (t >= scene_.end_ms)
      return;
    sim_record rec;
    rec.time_ms = t;
    rec.card = card;
    rec.merchant = shop;
    rec.device = device;
    rec.ip = ip;
    rec.lat = at.lat;
    rec.lon = at.lon;
    rec.channel = models::channel::ecom;
    rec.amount_minor = to_minor(major);
    rec.label = kind_;
    rec.attack_id = attack_id_;
    scene_.records[card].push_back(rec);
  }

  static void take(const std::vector<std::uint32_t>& victims,
                   std::vector<std::uint32_t>& candidates) {
    candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                    [&](std::uint32_t c) {
                                      return std::find(victims.begin(),
                                                       victims.end(), c)
                                             != victims.end();
                                    }),
                     candidates.end());
  }

  fraud_label kind_;
  std::uint32_t attack_id_;
  group_scene& scene_;
  rng& r_;
};

} // namespace

bool is_group_typology(fraud_label kind) {
  return kind == fraud_label::fraud_ring
         || kind == fraud_label::merchant_card_testing;
}

std::uint32_t inject_group_attack(fraud_label kind, std::uint32_t size,
                                  std::uint32_t min_cards,
                                  std::uint32_t attack_id, group_scene& scene,
                                  rng& r,
                                  std::vector<std::uint32_t>& candidates) {
  group_attack a{kind, attack_id, scene, r};
  if (kind == fraud_label::fraud_ring)
    return a.fraud_ring(size, min_cards, candidates);
  if (kind == fraud_label::merchant_card_testing)
    return a.merchant_card_testing(size, candidates);
  return 0;
}

} // namespace fraud::simulator
