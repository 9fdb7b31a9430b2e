// Where the simulated issuer's cardholders live, and what money is used
// where. Cards are billed in their home currency: online payments are in
// it, but a card used in a shop or at an ATM abroad pays in the local
// currency (the authorisation carries the merchant's amount and currency),
// so a traveller's lunch in Tokyo is 4,800 JPY. The issuing markets are
// kept to currencies whose unit is worth roughly a dollar, so that the
// rules' fixed amounts (a "small" payment) mean the same thing on every
// card.
#pragma once

#include <vector>

namespace fraud::simulator {

struct market {
  const char* country;    // ISO 3166 alpha-2
  const char* currency;   // ISO 4217, two decimals
  double units_per_usd;   // to scale amounts, roughly
  double share;           // of the card population
};

const std::vector<market>& issuing_markets();

/// The ISO 4217 currency shops in `country` (ISO 3166 alpha-2) charge in,
/// or null for a country the table does not list.
const char* local_currency(const char* country);

} // namespace fraud::simulator
