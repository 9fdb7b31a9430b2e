#include "simulator/markets.hpp"

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

} // namespace fraud::simulator
