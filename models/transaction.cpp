#include "models/transaction.hpp"

#include <cmath>

namespace fraud::models {

const char* to_string(channel c) {
  switch (c) {
    case channel::pos:
      return "POS";
    case channel::ecom:
      return "ECOM";
    case channel::atm:
      return "ATM";
  }
  return "UNKNOWN";
}

int currency_exponent(const std::string& currency) {
  static constexpr const char* zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK",
                                         "JPY", "KMF", "KRW", "PYG", "RWF",
                                         "UGX", "UYI", "VND", "VUV", "XAF",
                                         "XOF", "XPF"};
  static constexpr const char* three[] = {"BHD", "IQD", "JOD", "KWD",
                                          "LYD", "OMR", "TND"};
  // Called several times per transaction: compare the three letters
  // directly rather than as strings (which was most of features_for).
  if (currency.size() != 3)
    return 2;
  auto same = [&](const char* c) {
    return currency[0] == c[0] && currency[1] == c[1] && currency[2] == c[2];
  };
  for (auto* c : zero)
    if (same(c))
      return 0;
  for (auto* c : three)
    if (same(c))
      return 3;
  return 2;
}

double major_units(const transaction& tx) {
  static constexpr double scale[] = {1.0, 10.0, 100.0, 1000.0};
  return static_cast<double>(tx.amount_minor)
         / scale[currency_exponent(tx.currency)];
}

} // namespace fraud::models
