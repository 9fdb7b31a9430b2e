#include "simulator/categories.hpp"

#include <array>

namespace fraud::simulator {

namespace {

using models::channel;

// Factors and weights are rough shapes of card spending, not any issuer's
// statistics: groceries near the typical purchase, coffee far under it,
// electronics and travel far over it.
const category_info table[category_count] = {
  {category::grocery, "grocery", 5411, channel::pos, 1.0, 0.28},
  {category::restaurant, "restaurant", 5812, channel::pos, 1.2, 0.14},
  {category::fast_food, "fast_food", 5814, channel::pos, 0.45, 0.12},
  {category::bakery, "bakery", 5462, channel::pos, 0.3, 0.08},
  {category::fuel, "fuel", 5541, channel::pos, 1.5, 0.10},
  {category::pharmacy, "pharmacy", 5912, channel::pos, 0.7, 0.06},
  {category::clothing, "clothing", 5651, channel::pos, 2.0, 0.06},
  {category::department_store, "department_store", 5311, channel::pos, 1.8,
   0.05},
  {category::transit, "transit", 4111, channel::pos, 0.25, 0.06},
  {category::bar, "bar", 5813, channel::pos, 0.8, 0.05},
  {category::electronics, "electronics", 5732, channel::pos, 10.0, 0.0},
  {category::jewelry, "jewelry", 5944, channel::pos, 12.0, 0.0},
  {category::furniture, "furniture", 5712, channel::pos, 14.0, 0.0},
  {category::hotel, "hotel", 7011, channel::pos, 6.0, 0.0},
  {category::car_rental, "car_rental", 7512, channel::pos, 5.0, 0.0},
  {category::atm, "atm", 6011, channel::atm, 2.5, 1.0},
  {category::digital_goods, "digital_goods", 5818, channel::ecom, 0.25, 0.22},
  {category::marketplace, "marketplace", 5399, channel::ecom, 1.4, 0.40},
  {category::streaming, "streaming", 4899, channel::ecom, 0.4, 0.13},
  {category::food_delivery, "food_delivery", 5814, channel::ecom, 1.0, 0.25},
  {category::travel_agency, "travel_agency", 4722, channel::ecom, 9.0, 0.0},
  {category::airline, "airline", 4511, channel::ecom, 10.0, 0.0},
};

struct by_channel {
  std::vector<category> cats;
  std::vector<double> weights;
};

const by_channel& of(models::channel ch) {
  static const std::array<by_channel, 3> all = [] {
    std::array<by_channel, 3> out;
    for (auto& c : table) {
      auto i = static_cast<int>(c.channel) - 1;
      out[i].cats.push_back(c.id);
      out[i].weights.push_back(c.everyday_weight);
    }
    return out;
  }();
  return all[static_cast<int>(ch) - 1];
}

} // namespace

const category_info& info(category c) {
  return table[static_cast<std::size_t>(c)];
}

const std::vector<category>& categories_paid_by(models::channel ch) {
  return of(ch).cats;
}

const std::vector<double>& everyday_weights(models::channel ch) {
  return of(ch).weights;
}

} // namespace fraud::simulator
