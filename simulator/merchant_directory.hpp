// Every merchant of a simulation: shops and ATMs in each city of the table,
// and online merchants registered in many countries. Built once from the
// seed; read-only afterwards (so thread-safe).
#pragma once

#include <array>
#include <map>
#include <cstdint>
#include <string>
#include <vector>

#include "simulator/categories.hpp"
#include "simulator/random.hpp"

namespace fraud::simulator {

struct merchant {
  std::string id;
  simulator::category category;
  std::uint32_t mcc;
  char country[3];  // where it is registered: the transaction's country
  int city;         // -1 for an online merchant
  double lat;       // shop location (unused for online merchants)
  double lon;
};

class merchant_directory {
public:
  explicit merchant_directory(std::uint64_t seed);

  const merchant& operator[](int i) const { return merchants_[i]; }
  std::size_t size() const { return merchants_.size(); }

  /// A shop (or ATM) of category `c` in `city`; there is at least one of
  /// every card-present category in every city.
  int local(rng& r, int city, category c) const;

  /// An online merchant of category `c`, registered in `country` when
  /// `domestic` (if there is one there), elsewhere otherwise.
  int online(rng& r, category c, const char* country, bool domestic) const;

private:
  struct range {
    int first = 0;
    int count = 0;
  };

  std::vector<merchant> merchants_;
  std::vector<std::array<range, category_count>> shops_;  // by city
  std::array<range, category_count> online_{};
  std::array<std::map<std::string, std::vector<int>>, category_count>
    online_by_country_;
};

} // namespace fraud::simulator
