#include "models/geo.hpp"

#include <gtest/gtest.h>

#include "tests/models/sample_transaction.hpp"

namespace fraud::models {
namespace {

using test::place;

constexpr place sydney{-33.8688, 151.2093};
constexpr place melbourne{-37.8136, 144.9631};
constexpr place los_angeles{34.0522, -118.2437};
constexpr place tokyo{35.6762, 139.6503};

double km(place a, place b) {
  return distance_km(a.lat, a.lon, b.lat, b.lon);
}

// Within 1 % of the published great-circle distance.
void expect_km(place a, place b, double published) {
  EXPECT_NEAR(km(a, b), published, published * 0.01);
}

TEST(geo, known_city_pairs) {
  expect_km(test::london, test::paris, 344);
  expect_km(test::new_york, los_angeles, 3944);
  expect_km(sydney, melbourne, 714);
  expect_km(test::london, tokyo, 9560);
  expect_km(test::paris, test::new_york, 5837);
}

TEST(geo, distance_is_symmetric_and_zero_at_one_place) {
  EXPECT_DOUBLE_EQ(km(test::paris, tokyo), km(tokyo, test::paris));
  EXPECT_DOUBLE_EQ(km(sydney, sydney), 0.0);
}

TEST(geo, one_degree_of_latitude_is_about_111_km) {
  EXPECT_NEAR(distance_km(10, 20, 11, 20), 111.2, 0.1);
}

TEST(geo, north_of_puts_places_the_asked_distance_apart) {
  EXPECT_NEAR(km(test::paris, test::north_of(test::paris, 150)), 150, 1e-6);
}

TEST(geo, the_short_way_across_the_date_line) {
  EXPECT_NEAR(distance_km(0, 179.5, 0, -179.5), 111.2, 0.1);
}

TEST(geo, antipodes_are_half_the_circumference_apart) {
  EXPECT_NEAR(distance_km(0, 0, 0, 180), 20015, 1);
  EXPECT_NEAR(distance_km(90, 0, -90, 0), 20015, 1);
}

} // namespace
} // namespace fraud::models
