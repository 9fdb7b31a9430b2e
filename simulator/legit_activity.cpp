#include "simulator/legit_activity.hpp"

#include <algorithm>
#include <cmath>

#include "simulator/cities.hpp"

namespace fraud::simulator {

namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 24 * hour_ms;

// Relative activity by local hour: quiet nights, a lunch and an evening
// peak. Online shopping leans to the evening.
const std::vector<double> store_hours = {
  0.15, 0.08, 0.04, 0.03, 0.04, 0.12, 0.4, 1.0, 1.5, 1.6, 1.8, 2.1,
  2.6,  2.3,  1.9,  1.8,  2.0,  2.5, 2.7, 2.4, 1.9, 1.3, 0.8, 0.4};
const std::vector<double> online_hours = {
  0.5, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.0, 1.1, 1.2,
  1.4, 1.3, 1.2,  1.2, 1.3, 1.5,  1.8, 2.2, 2.5, 2.4, 1.8, 1.0};

constexpr double large_purchase_chance = 0.004;

// The card's devices over time: one may be replaced by a new phone, and a
// new laptop may join.
struct device_history {
  std::vector<int> devices;
  std::int64_t new_phone_at = INT64_MAX;
  int new_phone = -1;
  std::int64_t new_laptop_at = INT64_MAX;
  int new_laptop = -1;

  int pick(rng& r, std::int64_t t) const {
    std::size_t n = devices.size() + (t >= new_laptop_at ? 1 : 0);
    std::size_t slot = r.chance(0.7) ? 0 : r.below(n);
    if (slot == 0 && t >= new_phone_at)
      return new_phone;
    if (slot >= devices.size())
      return new_laptop;
    return devices[slot];
  }
};

class legit_generator {
public:
  legit_generator(const card_scene& ctx, rng& r,
                  std::vector<sim_record>& out)
    : ctx_(ctx), card_(ctx.card), r_(r), out_(out) {
    devices_.devices = card_.devices;
    double days = static_cast<double>(ctx.end_ms - ctx.start_ms) / day_ms;
    if (r_.chance(std::min(0.5, 0.05 * days / 14))) {
      devices_.new_phone_at = random_time();
      devices_.new_phone = ctx.ids.new_device(r_);
    }
    if (r_.chance(std::min(0.5, 0.02 * days / 14))) {
      devices_.new_laptop_at = random_time();
      devices_.new_laptop = ctx.ids.new_device(r_);
    }
  }

  void everyday() {
    auto days = (ctx_.end_ms - ctx_.start_ms) / day_ms;
    for (std::int64_t d = 0; d < days; ++d) {
      auto noon = ctx_.start_ms + d * day_ms + 12 * hour_ms;
      auto* where = ctx_.trips.at(noon);
      int city = where != nullptr ? where->city : card_.home_city;
      auto local_midnight = ctx_.start_ms + d * day_ms
                            - utc_offset_hours(cities()[city]) * hour_ms;
      // 1970-01-01 was a Thursday: 1 is a Friday, 2 a Saturday, 3 a Sunday
      auto weekday = (ctx_.start_ms / day_ms + d) % 7;
      double busy = weekday == 1 || weekday == 2 ? 1.15
                    : weekday == 3               ? 0.8
                                                 : 1.0;
      if (where != nullptr && !where->home)
        busy *= 1.3;  // travellers pay for everything
      int n = r_.poisson(card_.tx_per_day * busy);
      for (int i = 0; i < n; ++i)
        one_purchase(local_midnight);
    }
  }

  void trips() {
    for (auto& s : ctx_.trips.stays)
      if (!s.home && s.from_ms < ctx_.end_ms)
        trip_costs(s);
  }

private:
  std::int64_t random_time() {
    return ctx_.start_ms
           + static_cast<std::int64_t>(
             r_.uniform() * static_cast<double>(ctx_.end_ms - ctx_.start_ms));
  }

  void one_purchase(std::int64_t local_midnight) {
    double u = r_.uniform();
    auto ch = u < card_.atm_share                     ? models::channel::atm
              : u < card_.atm_share + card_.ecom_share ? models::channel::ecom
                                                       : models::channel::pos;
    auto& hours = ch == models::channel::ecom ? online_hours : store_hours;
    auto t = local_midnight + static_cast<std::int64_t>(r_.weighted(hours)) * hour_ms
             + static_cast<std::int64_t>(r_.uniform() * hour_ms);
    auto* where = ctx_.trips.at(t);
    if (where == nullptr || t < ctx_.start_ms || t >= ctx_.end_ms)
      return;  // travelling, or outside the period
    bool large = ch != models::channel::atm && r_.chance(large_purchase_chance);
    if (ch == models::channel::ecom) {
      auto cat = large ? (r_.chance(0.6) ? category::marketplace
                                         : category::travel_agency)
                       : categories_paid_by(ch)[r_.weighted(
                           everyday_weights(ch))];
      double factor = large && cat == category::marketplace ? 8.0 : 1.0;
      online(t, *where, cat, amount(cat) * factor);
      return;
    }
    if (ch == models::channel::atm) {
      double cash = std::round(amount(category::atm) / 20.0) * 20.0;
      in_store(t, *where, category::atm, std::clamp(cash, 20.0, 1000.0));
      return;
    }
    static const std::vector<category> big = {
      category::electronics, category::jewelry, category::furniture,
      category::department_store};
    auto cat = large ? big[r_.below(big.size())]
                     : categories_paid_by(ch)[r_.weighted(everyday_weights(ch))];
    in_store(t, *where, cat,
             amount(cat) * (cat == category::department_store && large ? 5 : 1));
  }

  double amount(category c) {
    return card_.median_amount * info(c).amount_factor
           * r_.lognormal(0, card_.sigma);
  }

  void in_store(std::int64_t t, const stay& where, category c, double major) {
    int m = -1;
    auto k = static_cast<std::size_t>(c);
    if (where.home && card_.favourites[k][0] >= 0 && r_.chance(0.65))
      m = card_.favourites[k][r_.below(2)];
    else
      m = ctx_.shops.local(r_, where.city, c);
    auto& shop = ctx_.shops[m];
    sim_record rec;
    rec.time_ms = t;
    rec.card = ctx_.card_index;
    rec.merchant = m;
    rec.amount_minor = to_minor(std::max(0.3, major));
    rec.lat = shop.lat;
    rec.lon = shop.lon;
    rec.channel = info(c).channel;
    out_.push_back(rec);
  }

  void online(std::int64_t t, const stay& where, category c, double major) {
    bool foreign = r_.chance(card_.foreign_online_share);
    sim_record rec;
    rec.time_ms = t;
    rec.card = ctx_.card_index;
    rec.merchant = ctx_.shops.online(r_, c, card_.home->country, !foreign);
    rec.device = devices_.pick(r_, t);
    rec.ip = where.home ? card_.home_ips[r_.below(card_.home_ips.size())]
                        : where.ip;
    auto at = near(cities()[where.city], r_, ip_radius_km);
    rec.lat = at.lat;
    rec.lon = at.lon;
    rec.amount_minor = to_minor(std::max(0.3, major));
    rec.channel = models::channel::ecom;
    out_.push_back(rec);
  }

  // The flight booked from home, the hotel and perhaps a car on arrival.
  void trip_costs(const stay& s) {
    bool abroad = std::string_view{cities()[s.city].country}
                  != cities()[card_.home_city].country;
    if (r_.chance(0.5)) {
      auto booked = s.from_ms
                    - static_cast<std::int64_t>(r_.uniform(2, 40) * day_ms);
      auto* home = ctx_.trips.at(booked);
      if (home != nullptr && home->home && booked >= ctx_.start_ms)
        online(booked, *home, category::airline,
               amount(category::airline) * (abroad ? 1.0 : 0.4));
    }
    double nights = std::max(1.0, std::floor(
                                    static_cast<double>(s.to_ms - s.from_ms)
                                    / day_ms));
    if (r_.chance(abroad ? 0.65 : 0.45)) {
      auto t = s.from_ms + static_cast<std::int64_t>(r_.uniform(0.3, 3) * hour_ms);
      double nightly = card_.median_amount * 3.0 * r_.lognormal(0, 0.35);
      if (t < ctx_.end_ms)
        in_store(t, s, category::hotel, nightly * nights);
    }
    if (r_.chance(0.2)) {
      auto t = s.from_ms + static_cast<std::int64_t>(r_.uniform(0.5, 5) * hour_ms);
      if (t < ctx_.end_ms && t < s.to_ms)
        in_store(t, s, category::car_rental,
                 amount(category::car_rental) * std::sqrt(nights));
    }
  }

  const card_scene& ctx_;
  const card_profile& card_;
  rng& r_;
  std::vector<sim_record>& out_;
  device_history devices_;
};

} // namespace

void generate_legit(const card_scene& ctx, rng& r,
                    std::vector<sim_record>& out) {
  legit_generator g{ctx, r, out};
  g.everyday();
  g.trips();
}

} // namespace fraud::simulator
