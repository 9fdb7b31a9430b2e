// One generated transaction before it is written out: indices into the
// population, the merchant directory and the identity pool instead of
// strings, so that a dataset of millions fits in memory comfortably.
#pragma once

#include <cstdint>

#include "models/transaction.hpp"
#include "protocol/dataset.hpp"

namespace fraud::simulator {

struct sim_record {
  std::int64_t time_ms = 0;   // event time, Unix ms
  std::uint32_t card = 0;     // index in the population
  std::uint32_t seq = 0;      // order within the card, to break time ties
  std::int32_t merchant = 0;  // index in the merchant directory
  std::int32_t device = -1;   // index in the identity pool, -1 for none
  std::int32_t ip = -1;       // index in the identity pool, -1 for none
  std::int64_t amount_minor = 0;
  double lat = 0;             // the terminal, or where the IP is
  double lon = 0;
  models::channel channel = models::channel::pos;
  protocol::fraud_label label = protocol::fraud_label::legitimate;
  std::uint32_t attack_id = 0;
};

/// Minor units (every issuing currency has two decimals), at least 1.
inline std::int64_t to_minor(double major) {
  auto v = static_cast<std::int64_t>(major * 100.0 + 0.5);
  return v < 1 ? 1 : v;
}

} // namespace fraud::simulator
