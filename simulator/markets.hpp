// Where the simulated issuer's cardholders live. Cards are billed in their
// home currency, and every amount in a dataset is that billing amount (as
// an issuer's authorisation sees it, whatever the merchant charged). The
// markets are kept to currencies whose unit is worth roughly a dollar, so
// that the rules' fixed amounts (a "small" payment) mean the same thing on
// every card.
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

} // namespace fraud::simulator
