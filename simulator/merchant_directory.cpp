#include "simulator/merchant_directory.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "simulator/cities.hpp"
#include "simulator/identifiers.hpp"
#include "simulator/markets.hpp"

namespace fraud::simulator {

namespace {

// Where online merchants are registered besides the issuing markets: the
// countries big platforms bill from.
struct online_hub {
  const char* country;
  int merchants;  // per category
};
constexpr online_hub hubs[] = {
  {"US", 12}, {"IE", 4}, {"LU", 3}, {"NL", 3}, {"GB", 4}, {"DE", 3},
  {"CN", 6},  {"HK", 3}, {"JP", 3}, {"SG", 2}, {"KR", 2}, {"SE", 2},
};
constexpr int merchants_per_market = 3;

merchant make(rng& r, category c, const char* country, int city, point at) {
  merchant m;
  m.id = make_merchant_id(r);
  m.category = c;
  m.mcc = info(c).mcc;
  std::memcpy(m.country, country, 2);
  m.country[2] = 0;
  m.city = city;
  m.lat = at.lat;
  m.lon = at.lon;
  return m;
}

} // namespace

merchant_directory::merchant_directory(std::uint64_t seed) {
  rng r{mix_seed(seed, 0x6d65726368616e74)};  // "merchant"
  auto& all = cities();
  shops_.resize(all.size());
  for (std::size_t ci = 0; ci < all.size(); ++ci) {
    auto& c = all[ci];
    for (std::size_t k = 0; k < category_count; ++k) {
      auto cat = static_cast<category>(k);
      if (info(cat).channel == models::channel::ecom)
        continue;
      // bigger cities have more shops of each kind
      int n = std::clamp(static_cast<int>(std::lround(2 + 2.5 * c.population_m)),
                         2, 30);
      shops_[ci][k] = {static_cast<int>(merchants_.size()), n};
      for (int i = 0; i < n; ++i)
        merchants_.push_back(
          make(r, cat, c.country, static_cast<int>(ci), near(c, r, 12)));
    }
  }
  for (std::size_t k = 0; k < category_count; ++k) {
    auto cat = static_cast<category>(k);
    if (info(cat).channel != models::channel::ecom)
      continue;
    online_[k].first = static_cast<int>(merchants_.size());
    for (auto& m : issuing_markets())
      for (int i = 0; i < merchants_per_market; ++i)
        merchants_.push_back(make(r, cat, m.country, -1, {0, 0}));
    for (auto& h : hubs)
      for (int i = 0; i < h.merchants; ++i)
        merchants_.push_back(make(r, cat, h.country, -1, {0, 0}));
    online_[k].count = static_cast<int>(merchants_.size()) - online_[k].first;
    for (int i = online_[k].first; i < static_cast<int>(merchants_.size()); ++i)
      online_by_country_[k][merchants_[i].country].push_back(i);
  }
}

int merchant_directory::local(rng& r, int city, category c) const {
  auto& range = shops_[city][static_cast<std::size_t>(c)];
  return range.first + static_cast<int>(r.below(range.count));
}

int merchant_directory::online(rng& r, category c, const char* country,
                               bool domestic) const {
  auto k = static_cast<std::size_t>(c);
  if (domestic) {
    auto it = online_by_country_[k].find(country);
    if (it != online_by_country_[k].end())
      return r.pick(it->second);
  }
  // Foreign: draw until the country differs; most merchants qualify.
  auto& range = online_[k];
  int i = 0;
  do
    i = range.first + static_cast<int>(r.below(range.count));
  while (std::strncmp(merchants_[i].country, country, 2) == 0);
  return i;
}

} // namespace fraud::simulator
