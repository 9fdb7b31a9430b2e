// Merchant categories: what people buy, how it is paid for, and what it
// costs against a cardholder's typical purchase.
#pragma once

#include <cstdint>
#include <vector>

#include "models/transaction.hpp"

namespace fraud::simulator {

enum class category : std::uint8_t {
  grocery,
  restaurant,
  fast_food,
  bakery,
  fuel,
  pharmacy,
  clothing,
  department_store,
  transit,
  bar,
  electronics,
  jewelry,
  furniture,
  hotel,
  car_rental,
  atm,
  digital_goods,
  marketplace,
  streaming,
  food_delivery,
  travel_agency,
  airline,
};

inline constexpr std::size_t category_count = 22;

struct category_info {
  category id;
  const char* name;
  std::uint32_t mcc;
  models::channel channel;  // how it is paid: at a terminal, online, ATM
  double amount_factor;     // median amount against the card's median
  double everyday_weight;   // share of everyday purchases in its channel
};

const category_info& info(category c);

/// Categories paid in `ch`, with their everyday weights (0 for categories
/// bought only on occasion: hotels, jewellery, airlines...).
const std::vector<category>& categories_paid_by(models::channel ch);
const std::vector<double>& everyday_weights(models::channel ch);

} // namespace fraud::simulator
