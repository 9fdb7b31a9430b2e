#include "simulator/markets.hpp"

#include <cstring>

namespace fraud::simulator {

const std::vector<market>& issuing_markets() {
  static const std::vector<market> table = {
    {"US", "USD", 1.00, 0.40}, {"GB", "GBP", 0.79, 0.12},
    {"DE", "EUR", 0.92, 0.07}, {"FR", "EUR", 0.92, 0.06},
    {"CA", "CAD", 1.36, 0.06}, {"AU", "AUD", 1.52, 0.04},
    {"ES", "EUR", 0.92, 0.04}, {"IT", "EUR", 0.92, 0.04},
    {"NL", "EUR", 0.92, 0.03}, {"CH", "CHF", 0.88, 0.02},
    {"IE", "EUR", 0.92, 0.015}, {"BE", "EUR", 0.92, 0.015},
    {"AT", "EUR", 0.92, 0.015}, {"SG", "SGD", 1.34, 0.015},
    {"PT", "EUR", 0.92, 0.01}, {"NZ", "NZD", 1.64, 0.01},
    {"FI", "EUR", 0.92, 0.008}, {"GR", "EUR", 0.92, 0.008},
  };
  return table;
}

const char* local_currency(const char* country) {
  // Every country of the city table (simulator/cities.cpp).
  static const char* const table[][2] = {
    {"AE", "AED"}, {"AL", "ALL"}, {"AM", "AMD"}, {"AO", "AOA"}, {"AR", "ARS"},
    {"AT", "EUR"}, {"AU", "AUD"}, {"AZ", "AZN"}, {"BA", "BAM"}, {"BD", "BDT"},
    {"BE", "EUR"}, {"BG", "BGN"}, {"BH", "BHD"}, {"BO", "BOB"}, {"BR", "BRL"},
    {"BS", "BSD"}, {"BW", "BWP"}, {"BY", "BYN"}, {"CA", "CAD"}, {"CD", "CDF"},
    {"CH", "CHF"}, {"CI", "XOF"}, {"CL", "CLP"}, {"CM", "XAF"}, {"CN", "CNY"},
    {"CO", "COP"}, {"CR", "CRC"}, {"CU", "CUP"}, {"CY", "EUR"}, {"CZ", "CZK"},
    {"DE", "EUR"}, {"DK", "DKK"}, {"DO", "DOP"}, {"DZ", "DZD"}, {"EC", "USD"},
    {"EE", "EUR"}, {"EG", "EGP"}, {"ES", "EUR"}, {"ET", "ETB"}, {"FI", "EUR"},
    {"FJ", "FJD"}, {"FR", "EUR"}, {"GB", "GBP"}, {"GE", "GEL"}, {"GH", "GHS"},
    {"GR", "EUR"}, {"GT", "GTQ"}, {"HK", "HKD"}, {"HN", "HNL"}, {"HR", "EUR"},
    {"HU", "HUF"}, {"ID", "IDR"}, {"IE", "EUR"}, {"IL", "ILS"}, {"IN", "INR"},
    {"IQ", "IQD"}, {"IR", "IRR"}, {"IS", "ISK"}, {"IT", "EUR"}, {"JM", "JMD"},
    {"JO", "JOD"}, {"JP", "JPY"}, {"KE", "KES"}, {"KH", "KHR"}, {"KR", "KRW"},
    {"KW", "KWD"}, {"KZ", "KZT"}, {"LA", "LAK"}, {"LB", "LBP"}, {"LK", "LKR"},
    {"LT", "EUR"}, {"LU", "EUR"}, {"LV", "EUR"}, {"MA", "MAD"}, {"MD", "MDL"},
    {"ME", "EUR"}, {"MG", "MGA"}, {"MK", "MKD"}, {"ML", "XOF"}, {"MM", "MMK"},
    {"MN", "MNT"}, {"MO", "MOP"}, {"MT", "EUR"}, {"MU", "MUR"}, {"MV", "MVR"},
    {"MX", "MXN"}, {"MY", "MYR"}, {"MZ", "MZN"}, {"NA", "NAD"}, {"NC", "XPF"},
    {"NG", "NGN"}, {"NI", "NIO"}, {"NL", "EUR"}, {"NO", "NOK"}, {"NP", "NPR"},
    {"NZ", "NZD"}, {"OM", "OMR"}, {"PA", "USD"}, {"PE", "PEN"}, {"PF", "XPF"},
    {"PG", "PGK"}, {"PH", "PHP"}, {"PK", "PKR"}, {"PL", "PLN"}, {"PR", "USD"},
    {"PT", "EUR"}, {"PY", "PYG"}, {"QA", "QAR"}, {"RO", "RON"}, {"RS", "RSD"},
    {"RU", "RUB"}, {"RW", "RWF"}, {"SA", "SAR"}, {"SD", "SDG"}, {"SE", "SEK"},
    {"SG", "SGD"}, {"SI", "EUR"}, {"SK", "EUR"}, {"SN", "XOF"}, {"SV", "USD"},
    {"TH", "THB"}, {"TN", "TND"}, {"TR", "TRY"}, {"TW", "TWD"}, {"TZ", "TZS"},
    {"UA", "UAH"}, {"UG", "UGX"}, {"US", "USD"}, {"UY", "UYU"}, {"UZ", "UZS"},
    {"VE", "VES"}, {"VN", "VND"}, {"ZA", "ZAR"}, {"ZM", "ZMW"}, {"ZW", "USD"},
  };
  for (auto& row : table)
    if (std::strncmp(row[0], country, 2) == 0)
      return row[1];
  return nullptr;
}

} // namespace fraud::simulator
