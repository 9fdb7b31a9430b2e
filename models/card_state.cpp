#include "models/card_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "models/fnv.hpp"
#include "models/geo.hpp"

namespace fraud::models {

namespace {

// Past this many transactions the profile forgets old behaviour
// exponentially, so that a card whose spending changes is followed.
constexpr double profile_horizon = 50;

// Floor on the spread of log amounts: a card that always spends the same
// would otherwise make a few cents' difference look like an anomaly.
constexpr double min_log_stddev = 0.25;

std::uint64_t fnv1a(const std::string& s) {
  auto h = fnv1a_64(s);
  return h == 0 ? 1 : h; // 0 marks an empty slot
}

constexpr std::int64_t day_ms = 24 * 3'600'000;

double in_major(std::uint64_t minor, const currency_rate* c) {
  static constexpr double scale[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};
  return c == nullptr ? 0 : static_cast<double>(minor) / scale[c->exponent];
}

bool is_probe(const transaction& tx, double amount_home) {
  return !tx.card_present() && amount_home <= small_amount;
}

} // namespace

card_state::money card_state::price(const transaction& tx,
                                     const rates& fx) const {
  money m;
  auto* from = fx.find(tx.currency);
  m.home = home_currency_[0] == 0
             ? from
             : fx.find({home_currency_.data(), home_currency_.size()});
  if (from == nullptr || m.home == nullptr)
    return m;
  m.known = true;
  m.amount_home = rates::convert(tx.amount_minor, *from, *m.home);
  m.home_minor = from == m.home ? tx.amount_minor
                                : rates::to_minor(m.amount_home, *m.home);
  return m;
}

bool card_state::is_cp_high(const transaction& tx, const money& m) const {
  return m.known && tx.card_present() && tx_count_ >= min_spend_history
         && m.amount_home >= high_value_ratio * typical_amount();
}

bool card_state::is_goods_high(const transaction& tx, const money& m) const {
  return m.known && is_goods_mcc(tx.mcc) && tx_count_ >= min_spend_history
         && m.amount_home >= goods_high_ratio * typical_amount();
}

features card_state::features_for(const transaction& tx,
                                  const rates& fx) const {
  features f;
  auto t = tx.event_time_ms;
  auto m = price(tx, fx);
  auto* own = fx.find(tx.currency);
  f.amount = own != nullptr ? rates::convert(tx.amount_minor, *own, *own)
                            : major_units(tx);
  f.currency = tx.currency;
  f.currency_known = m.known;
  f.foreign_currency = home_currency_[0] != 0 && tx.currency.size() == 3
                       && tx.currency.compare(0, 3, home_currency_.data(),
                                              3) != 0;
  f.amount_home = m.amount_home;
  f.channel = tx.channel;
  f.mcc = tx.mcc;
  f.card_present = tx.card_present();
  f.card_id = tx.card_id;
  f.device_id = tx.device_id;
  f.merchant_id = tx.merchant_id;
  f.ip = tx.ip;
  if (tx.country.size() == 2) {
    f.country[0] = tx.country[0];
    f.country[1] = tx.country[1];
  }
  f.tx_count = tx_count_;
  if (tx_count_ > 0)
    f.seconds_since_last = std::abs(t - last_event_ms_) / 1000.0;
  if (tx.has_location && has_location_) {
    f.has_previous_location = true;
    f.distance_km = distance_km(last_lat_, last_lon_, tx.lat, tx.lon);
    f.minutes_since_located = std::abs(t - last_located_ms_) / 60'000.0;
    auto hours = std::max(f.minutes_since_located, 1.0) / 60.0;
    f.speed_kmh = f.distance_km / hours;
  }
  auto m1 = w1m_.at(t);
  auto h = w1h_.at(t);
  auto d = w24h_.at(t);
  f.count_1m = m1.count + 1;
  f.sum_1m = in_major(m1.sum_minor, m.home) + f.amount_home;
  f.count_1h = h.count + 1;
  f.sum_1h = in_major(h.sum_minor, m.home) + f.amount_home;
  f.count_24h = d.count + 1;
  f.sum_24h = in_major(d.sum_minor, m.home) + f.amount_home;
  f.small_cnp_count_10m = probes_10m_.at(t).count
                          + (m.known && is_probe(tx, f.amount_home) ? 1 : 0);
  auto high = cp_high_1h_.at(t);
  bool is_high = is_cp_high(tx, m);
  f.cp_high_count_1h = high.count + (is_high ? 1 : 0);
  f.cp_high_sum_1h = in_major(high.sum_minor, m.home)
                     + (is_high ? f.amount_home : 0);
  auto goods = goods_high_7d_.at(t);
  bool is_goods = is_goods_high(tx, m);
  f.goods_high = is_goods;
  f.goods_high_count_7d = goods.count + (is_goods ? 1 : 0);
  f.goods_high_sum_7d = in_major(goods.sum_minor, m.home)
                        + (is_goods ? f.amount_home : 0);
  if (tx_count_ > 0) {
    f.avg_amount = mean_amount_;
    f.amount_ratio = m.known && mean_amount_ > 0
                       ? f.amount_home / mean_amount_ : 1;
    if (tx_count_ >= 2 && m.known) {
      auto sd = std::max(std::sqrt(var_log_), min_log_stddev);
      f.amount_z = (std::log1p(f.amount_home) - mean_log_) / sd;
    }
    f.new_device = !tx.device_id.empty() && !knows_device(tx.device_id);
    f.known_devices = device_count_;
    f.new_country = !tx.country.empty() && !knows_country(tx.country);
  }
  f.usual_daily_spend = usual_daily_spend();
  if (f.usual_daily_spend > 0) {
    f.spend_velocity_1h = f.sum_1h / f.usual_daily_spend;
    f.spend_velocity_24h = f.sum_24h / f.usual_daily_spend;
  }
  auto home = home_index();
  if (home >= 0) {
    f.home_country[0] = countries_[home][0];
    f.home_country[1] = countries_[home][1];
  }
  return f;
}

// An attempt in an unknown currency counts, without its amount.
void card_state::count_attempt(const transaction& tx, const money& m) {
  auto t = tx.event_time_ms;
  w1m_.add(t, m.home_minor);
  w1h_.add(t, m.home_minor);
  w24h_.add(t, m.home_minor);
  if (m.known && is_probe(tx, m.amount_home))
    probes_10m_.add(t, m.home_minor);
  if (is_cp_high(tx, m))
    cp_high_1h_.add(t, m.home_minor);
  if (is_goods_high(tx, m))
    goods_high_7d_.add(t, m.home_minor);
  if (t >= last_event_ms_)
    last_event_ms_ = t;
}

void card_state::apply_unapproved(const transaction& tx, const rates& fx) {
  count_attempt(tx, price(tx, fx));
}

void card_state::apply(const transaction& tx, const rates& fx) {
  auto t = tx.event_time_ms;
  auto m = price(tx, fx);
  count_attempt(tx, m);
  if (home_currency_[0] == 0 && m.known)
    home_currency_ = m.home->code;
  if (tx.has_location && (!has_location_ || t >= last_located_ms_)) {
    has_location_ = true;
    last_lat_ = tx.lat;
    last_lon_ = tx.lon;
    last_located_ms_ = t;
  }
  // spending profile, in the home currency: an amount it cannot convert
  // teaches it nothing
  if (m.known) {
    auto amount = m.amount_home;
    double alpha = tx_count_ < profile_horizon ? 1.0 / (tx_count_ + 1.0)
                                               : 1.0 / profile_horizon;
    mean_amount_ += alpha * (amount - mean_amount_);
    double delta = std::log1p(amount) - mean_log_;
    mean_log_ += alpha * delta;
    var_log_ = (1 - alpha) * (var_log_ + alpha * delta * delta);
  }
  if (tx_count_ == 0 || t < first_event_ms_)
    first_event_ms_ = t;
  if (tx_count_ < UINT32_MAX)
    ++tx_count_;
  // devices: a bounded ring, the oldest one forgotten first
  if (!tx.device_id.empty() && !knows_device(tx.device_id)) {
    devices_[next_device_] = fnv1a(tx.device_id);
    next_device_ = static_cast<std::uint8_t>((next_device_ + 1) % max_devices);
    if (device_count_ < max_devices)
      ++device_count_;
  }
  // countries: bounded, the least used one gives way to a new one
  if (tx.country.size() == 2) {
    std::size_t at = max_countries;
    std::size_t least = 0;
    for (std::size_t i = 0; i < max_countries; ++i) {
      if (country_counts_[i] > 0 && countries_[i][0] == tx.country[0]
          && countries_[i][1] == tx.country[1]) {
        at = i;
        break;
      }
      if (country_counts_[i] < country_counts_[least])
        least = i;
    }
    if (at == max_countries) {
      at = least;
      countries_[at] = {tx.country[0], tx.country[1]};
      country_counts_[at] = 0;
    }
    if (country_counts_[at] < UINT16_MAX)
      ++country_counts_[at];
  }
}

double card_state::usual_daily_spend() const {
  if (tx_count_ < min_spend_history)
    return 0;
  auto days = std::max(1.0, static_cast<double>(last_event_ms_
                                                - first_event_ms_)
                              / day_ms);
  return mean_amount_ * (tx_count_ / days);
}

double card_state::typical_amount() const {
  return std::expm1(mean_log_);
}

std::string card_state::home_currency() const {
  if (home_currency_[0] == 0)
    return {};
  return std::string{home_currency_.data(), home_currency_.size()};
}

double card_state::amount_stddev() const {
  // spread of amounts implied by the log-scale profile
  return std::sqrt(var_log_) * mean_amount_;
}

std::size_t card_state::country_count() const {
  return static_cast<std::size_t>(
    std::count_if(country_counts_.begin(), country_counts_.end(),
                  [](auto n) { return n > 0; }));
}

bool card_state::knows_device(const std::string& device_id) const {
  auto h = fnv1a(device_id);
  return std::find(devices_.begin(), devices_.end(), h) != devices_.end();
}

bool card_state::knows_country(const std::string& country) const {
  if (country.size() != 2)
    return false;
  for (std::size_t i = 0; i < max_countries; ++i)
    if (country_counts_[i] > 0 && countries_[i][0] == country[0]
        && countries_[i][1] == country[1])
      return true;
  return false;
}

int card_state::home_index() const {
  int best = -1;
  for (std::size_t i = 0; i < max_countries; ++i)
    if (country_counts_[i] > 0
        && (best < 0 || country_counts_[i] > country_counts_[best]))
      best = static_cast<int>(i);
  return best;
}

card_summary card_state::summary() const {
  card_summary s;
  s.tx_count = tx_count_;
  s.last_event_ms = last_event_ms_;
  s.has_location = has_location_;
  s.last_lat = last_lat_;
  s.last_lon = last_lon_;
  s.last_located_ms = last_located_ms_;
  s.avg_amount = mean_amount_;
  s.amount_stddev = amount_stddev();
  s.device_count = device_count_;
  s.country_count = static_cast<std::uint32_t>(country_count());
  s.home_country = home_country();
  s.home_currency = home_currency();
  s.usual_daily_spend = usual_daily_spend();
  if (tx_count_ > 0) {
    s.count_1h = w1h_.at(last_event_ms_).count;
    s.count_24h = w24h_.at(last_event_ms_).count;
  }
  return s;
}

std::string card_state::home_country() const {
  auto i = home_index();
  if (i < 0)
    return {};
  return std::string{countries_[i][0], countries_[i][1]};
}

} // namespace fraud::models
