#include "models/card_state.hpp"

#include <cmath>
#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "models/geo.hpp"
#include "tests/models/same_features.hpp"
#include "tests/models/sample_transaction.hpp"

namespace fraud::models {
namespace {

using test::day_ms;
using test::expect_same_features;
using test::hour_ms;
using test::minute_ms;
using test::sample_tx;
using test::second_ms;
using test::t0_ms;

// card_state.cpp's profile constants, named where the tests rely on them.
constexpr int profile_horizon = 50;      // then exponentially weighted
constexpr double min_log_stddev = 0.25;  // floor on the spread of log amounts

void apply_all(card_state& s, std::initializer_list<transaction> txs) {
  for (auto& tx : txs)
    s.apply(tx);
}

/// A card that paid `amounts` (US dollars) a minute apart from t0.
card_state card_that_paid(std::initializer_list<double> amounts) {
  card_state s;
  auto t = t0_ms;
  for (auto a : amounts) {
    s.apply(sample_tx(t, a));
    t += minute_ms;
  }
  return s;
}

std::string country_of(const features& f) { return f.country; }
std::string home_of(const features& f) { return f.home_country; }

/// The same count and sum in every velocity window.
void expect_velocity(const features& f, std::uint32_t count, double sum) {
  EXPECT_EQ(f.count_1m, count);
  EXPECT_EQ(f.count_1h, count);
  EXPECT_EQ(f.count_24h, count);
  EXPECT_DOUBLE_EQ(f.sum_1m, sum);
  EXPECT_DOUBLE_EQ(f.sum_1h, sum);
  EXPECT_DOUBLE_EQ(f.sum_24h, sum);
}

// ---- velocity --------------------------------------------------------------

TEST(card_state, a_first_transaction_counts_itself) {
  card_state s;
  auto f = s.features_for(sample_tx(t0_ms, 12.34));
  EXPECT_DOUBLE_EQ(f.amount, 12.34);
  EXPECT_EQ(f.tx_count, 0u);
  expect_velocity(f, 1, 12.34);
  EXPECT_EQ(f.seconds_since_last, -1);
  EXPECT_FALSE(f.has_previous_location);
  EXPECT_EQ(f.avg_amount, 0);
  EXPECT_EQ(f.amount_ratio, 1);
  EXPECT_EQ(f.amount_z, 0);
  EXPECT_FALSE(f.new_device);
  EXPECT_FALSE(f.new_country);
  EXPECT_EQ(home_of(f), "");
}

TEST(card_state, velocity_includes_history_and_the_current_transaction) {
  card_state s;
  apply_all(s, {sample_tx(t0_ms, 10), sample_tx(t0_ms + 10 * second_ms, 20),
                sample_tx(t0_ms + 20 * second_ms, 30)});
  auto f = s.features_for(sample_tx(t0_ms + 30 * second_ms, 40));
  EXPECT_EQ(f.tx_count, 3u);
  expect_velocity(f, 4, 100);
  EXPECT_DOUBLE_EQ(f.seconds_since_last, 10);
}

// The windows slide in steps (see sliding_window.hpp): a minute window
// holds 50 to 60 seconds, an hour 55 to 60 minutes, a day 23 to 24 hours.
TEST(card_state, each_window_forgets_after_its_length) {
  card_state s;
  s.apply(sample_tx(t0_ms));
  auto at = [&](std::int64_t later) {
    return s.features_for(sample_tx(t0_ms + later));
  };
  EXPECT_EQ(at(45 * second_ms).count_1m, 2u);
  EXPECT_EQ(at(61 * second_ms).count_1m, 1u);
  EXPECT_EQ(at(61 * second_ms).count_1h, 2u);
  EXPECT_EQ(at(50 * minute_ms).count_1h, 2u);
  EXPECT_EQ(at(61 * minute_ms).count_1h, 1u);
  EXPECT_EQ(at(61 * minute_ms).count_24h, 2u);
  EXPECT_EQ(at(23 * hour_ms).count_24h, 2u);
  EXPECT_EQ(at(25 * hour_ms).count_24h, 1u);
  EXPECT_DOUBLE_EQ(at(25 * hour_ms).sum_24h, 20);
}

TEST(card_state, sums_are_in_major_units_of_the_currency) {
  card_state s;
  auto yen = [](std::int64_t t, std::int64_t amount) {
    auto tx = sample_tx(t);
    tx.currency = "JPY";
    tx.amount_minor = amount;
    return tx;
  };
  s.apply(yen(t0_ms, 1500));
  auto f = s.features_for(yen(t0_ms + second_ms, 2500));
  EXPECT_DOUBLE_EQ(f.amount, 2500);
  EXPECT_DOUBLE_EQ(f.sum_1m, 4000);
  EXPECT_DOUBLE_EQ(f.avg_amount, 1500);
}

TEST(card_state, small_online_payments_count_as_probes) {
  card_state s;
  auto probe = [](std::int64_t t, double amount) {
    return test::online(sample_tx(t, amount), "device-1");
  };
  s.apply(probe(t0_ms, 1.00));
  s.apply(probe(t0_ms + minute_ms, small_amount));  // at the limit: a probe
  s.apply(sample_tx(t0_ms + 2 * minute_ms, 1.00));  // card present: not one
  s.apply(probe(t0_ms + 3 * minute_ms, small_amount * 2));  // too large
  EXPECT_EQ(s.features_for(probe(t0_ms + 4 * minute_ms, 0.5))
              .small_cnp_count_10m,
            3u);
  EXPECT_EQ(s.features_for(sample_tx(t0_ms + 4 * minute_ms, 0.5))
              .small_cnp_count_10m,
            2u);
  // ten minutes on, the probes have left their window
  EXPECT_EQ(s.features_for(probe(t0_ms + 15 * minute_ms, 0.5))
              .small_cnp_count_10m,
            1u);
}

TEST(card_state, features_for_does_not_change_the_state) {
  auto s = card_that_paid({10, 20});
  auto tx = sample_tx(t0_ms + 5 * minute_ms, 30);
  auto first = s.features_for(tx);
  auto second = s.features_for(tx);
  expect_same_features(first, second);
  EXPECT_EQ(s.tx_count(), 2u);
}

// ---- event time ------------------------------------------------------------

TEST(card_state, the_same_input_gives_the_same_features) {
  auto history = {sample_tx(t0_ms, 10), test::online(sample_tx(t0_ms + 5 * second_ms, 2), "d1"),
                  test::located(sample_tx(t0_ms + 2 * minute_ms, 30), test::paris),
                  test::in_country(sample_tx(t0_ms + 3 * hour_ms, 40), "FR")};
  card_state a;
  card_state b;
  apply_all(a, history);
  apply_all(b, history);
  auto next = test::located(sample_tx(t0_ms + 3 * hour_ms + minute_ms, 55),
                            test::london);
  expect_same_features(a.features_for(next), b.features_for(next));
}

TEST(card_state, windows_follow_event_time_not_the_wall_clock) {
  // Long past and far in the future: a window on the wall clock would see
  // none of these, or all of them forever.
  for (std::int64_t base : {std::int64_t{978'307'200'000},      // 2001
                            std::int64_t{4'070'908'800'000}}) {  // 2099
    card_state s;
    s.apply(sample_tx(base));
    s.apply(sample_tx(base + 10 * second_ms));
    auto f = s.features_for(sample_tx(base + 20 * second_ms));
    EXPECT_EQ(f.count_1m, 3u) << base;
    EXPECT_EQ(s.features_for(sample_tx(base + 2 * day_ms)).count_24h, 1u)
      << base;
  }
}

TEST(card_state, a_late_transaction_is_counted_where_it_belongs) {
  card_state s;
  s.apply(test::located(sample_tx(t0_ms + 30 * minute_ms, 10), test::paris));
  s.apply(test::located(sample_tx(t0_ms, 20), test::london));  // late
  auto f = s.features_for(sample_tx(t0_ms + 30 * minute_ms + 30 * second_ms, 5));
  EXPECT_EQ(f.count_1h, 3u);
  EXPECT_DOUBLE_EQ(f.sum_1h, 35);
  EXPECT_EQ(f.count_1m, 2u);  // the late one is half an hour old
  EXPECT_EQ(s.tx_count(), 2u);
}

TEST(card_state, a_late_transaction_does_not_move_place_or_time_back) {
  card_state s;
  s.apply(test::located(sample_tx(t0_ms + hour_ms), test::paris));
  s.apply(test::located(sample_tx(t0_ms), test::london));  // late
  EXPECT_EQ(s.last_event_ms(), t0_ms + hour_ms);
  EXPECT_EQ(s.last_located_ms(), t0_ms + hour_ms);
  EXPECT_DOUBLE_EQ(s.last_lat(), test::paris.lat);
  EXPECT_DOUBLE_EQ(s.last_lon(), test::paris.lon);
}

TEST(card_state, a_late_transaction_measures_time_to_the_newest_one) {
  card_state s;
  s.apply(test::located(sample_tx(t0_ms + hour_ms), test::paris));
  auto f = s.features_for(test::located(sample_tx(t0_ms), test::paris));
  EXPECT_DOUBLE_EQ(f.seconds_since_last, 3600);
  EXPECT_DOUBLE_EQ(f.minutes_since_located, 60);
}

// ---- place and travel ------------------------------------------------------

TEST(card_state, speed_is_distance_over_time_since_the_last_location) {
  card_state s;
  s.apply(test::located(sample_tx(t0_ms), test::london));
  auto f = s.features_for(
    test::located(sample_tx(t0_ms + 2 * hour_ms), test::paris));
  auto km = distance_km(test::london.lat, test::london.lon, test::paris.lat,
                        test::paris.lon);
  EXPECT_TRUE(f.has_previous_location);
  EXPECT_DOUBLE_EQ(f.distance_km, km);
  EXPECT_DOUBLE_EQ(f.minutes_since_located, 120);
  EXPECT_DOUBLE_EQ(f.speed_kmh, km / 2);
}

TEST(card_state, speed_floors_the_time_at_one_minute) {
  card_state s;
  s.apply(test::located(sample_tx(t0_ms), test::london));
  auto km = distance_km(test::london.lat, test::london.lon, test::paris.lat,
                        test::paris.lon);
  for (std::int64_t later : {std::int64_t{0}, 30 * second_ms, minute_ms}) {
    auto f = s.features_for(
      test::located(sample_tx(t0_ms + later), test::paris));
    EXPECT_DOUBLE_EQ(f.speed_kmh, km * 60) << later;
    EXPECT_TRUE(std::isfinite(f.speed_kmh));
  }
  auto f = s.features_for(
    test::located(sample_tx(t0_ms + 2 * minute_ms), test::paris));
  EXPECT_DOUBLE_EQ(f.speed_kmh, km * 30);
}

TEST(card_state, travel_needs_a_location_on_both_sides) {
  card_state s;
  s.apply(sample_tx(t0_ms));
  auto f = s.features_for(test::located(sample_tx(t0_ms + hour_ms), test::paris));
  EXPECT_FALSE(f.has_previous_location);
  EXPECT_EQ(f.speed_kmh, 0);
  s.apply(test::located(sample_tx(t0_ms + hour_ms), test::paris));
  f = s.features_for(sample_tx(t0_ms + 2 * hour_ms));
  EXPECT_FALSE(f.has_previous_location);
  EXPECT_EQ(f.distance_km, 0);
}

TEST(card_state, the_last_location_survives_transactions_without_one) {
  card_state s;
  s.apply(test::located(sample_tx(t0_ms), test::paris));
  s.apply(sample_tx(t0_ms + hour_ms));
  auto f = s.features_for(
    test::located(sample_tx(t0_ms + 2 * hour_ms), test::paris));
  EXPECT_TRUE(f.has_previous_location);
  EXPECT_NEAR(f.distance_km, 0, 1e-9);
  EXPECT_DOUBLE_EQ(f.minutes_since_located, 120);
  EXPECT_EQ(s.last_located_ms(), t0_ms);
  EXPECT_EQ(s.last_event_ms(), t0_ms + hour_ms);
}

// ---- spending profile ------------------------------------------------------

TEST(card_state, the_profile_is_the_mean_of_approved_amounts) {
  auto s = card_that_paid({10, 20, 30});
  EXPECT_EQ(s.tx_count(), 3u);
  EXPECT_DOUBLE_EQ(s.avg_amount(), 20);
  auto f = s.features_for(sample_tx(t0_ms + hour_ms, 60));
  EXPECT_DOUBLE_EQ(f.avg_amount, 20);
  EXPECT_DOUBLE_EQ(f.amount_ratio, 3);
}

TEST(card_state, amount_z_compares_log_amounts_with_their_spread) {
  auto s = card_that_paid({10, 100});
  auto lo = std::log1p(10.0);
  auto hi = std::log1p(100.0);
  auto mean = (lo + hi) / 2;
  auto stddev = (hi - lo) / 2;
  auto f = s.features_for(sample_tx(t0_ms + hour_ms, 1000));
  EXPECT_NEAR(f.amount_z, (std::log1p(1000.0) - mean) / stddev, 1e-9);
  EXPECT_LT(s.features_for(sample_tx(t0_ms + hour_ms, 5)).amount_z, 0);
}

TEST(card_state, amount_z_needs_two_transactions_of_history) {
  auto s = card_that_paid({10});
  EXPECT_EQ(s.features_for(sample_tx(t0_ms + hour_ms, 1000)).amount_z, 0);
}

TEST(card_state, a_steady_card_has_a_floor_on_its_spread) {
  auto s = card_that_paid({20, 20, 20, 20});
  EXPECT_DOUBLE_EQ(s.amount_stddev(), 0);
  auto same = s.features_for(sample_tx(t0_ms + hour_ms, 20));
  EXPECT_NEAR(same.amount_z, 0, 1e-12);
  // two floors above the profile in log terms
  auto amount = std::expm1(std::log1p(20.0) + 2 * min_log_stddev);
  auto f = s.features_for(sample_tx(t0_ms + hour_ms, amount));
  EXPECT_NEAR(f.amount_z, 2, 0.01);  // amounts are rounded to cents
}

TEST(card_state, the_profile_follows_a_card_whose_spending_changes) {
  card_state s;
  auto t = t0_ms;
  for (int i = 0; i < profile_horizon; ++i, t += hour_ms)
    s.apply(sample_tx(t, 10));
  EXPECT_DOUBLE_EQ(s.avg_amount(), 10);
  for (int i = 0; i < profile_horizon; ++i, t += hour_ms)
    s.apply(sample_tx(t, 100));
  // exponentially weighted past the horizon: weight 1/50 per transaction,
  // so the old level decays as (49/50)^50, well beyond a plain mean's 55
  auto expected = 100 - 90 * std::pow(1 - 1.0 / profile_horizon,
                                      profile_horizon);
  EXPECT_NEAR(s.avg_amount(), expected, 1e-6);
  EXPECT_EQ(s.tx_count(), 2u * profile_horizon);
}

// ---- devices and countries -------------------------------------------------

TEST(card_state, a_device_is_new_until_the_card_used_it) {
  card_state s;
  auto on = [](std::int64_t t, const char* device) {
    return test::online(sample_tx(t), device);
  };
  // a card without history has nothing to compare with
  EXPECT_FALSE(s.features_for(on(t0_ms, "phone")).new_device);
  s.apply(on(t0_ms, "phone"));
  EXPECT_TRUE(s.knows_device("phone"));
  auto same = s.features_for(on(t0_ms + minute_ms, "phone"));
  EXPECT_FALSE(same.new_device);
  EXPECT_EQ(same.known_devices, 1u);
  EXPECT_TRUE(s.features_for(on(t0_ms + minute_ms, "laptop")).new_device);
  EXPECT_FALSE(s.features_for(sample_tx(t0_ms + minute_ms)).new_device);
}

TEST(card_state, devices_are_bounded_and_the_oldest_is_forgotten) {
  card_state s;
  auto t = t0_ms;
  for (std::size_t i = 0; i <= card_state::max_devices; ++i, t += hour_ms)
    s.apply(test::online(sample_tx(t), "device-" + std::to_string(i)));
  EXPECT_EQ(s.device_count(), card_state::max_devices);
  EXPECT_FALSE(s.knows_device("device-0"));
  for (std::size_t i = 1; i <= card_state::max_devices; ++i)
    EXPECT_TRUE(s.knows_device("device-" + std::to_string(i))) << i;
}

TEST(card_state, a_known_device_is_not_counted_twice) {
  card_state s;
  s.apply(test::online(sample_tx(t0_ms), "phone"));
  s.apply(test::online(sample_tx(t0_ms + hour_ms), "phone"));
  s.apply(sample_tx(t0_ms + 2 * hour_ms));  // no device
  EXPECT_EQ(s.device_count(), 1u);
  EXPECT_FALSE(s.knows_device(""));
}

TEST(card_state, home_country_is_where_the_card_is_used_most) {
  card_state s;
  EXPECT_EQ(s.home_country(), "");
  apply_all(s, {test::in_country(sample_tx(t0_ms), "FR"),
                test::in_country(sample_tx(t0_ms + hour_ms), "DE"),
                test::in_country(sample_tx(t0_ms + 2 * hour_ms), "DE")});
  EXPECT_EQ(s.home_country(), "DE");
  EXPECT_EQ(s.country_count(), 2u);
  EXPECT_TRUE(s.knows_country("FR"));
  EXPECT_FALSE(s.knows_country("US"));
  auto f = s.features_for(test::in_country(sample_tx(t0_ms + 3 * hour_ms), "US"));
  EXPECT_TRUE(f.new_country);
  EXPECT_EQ(home_of(f), "DE");
  EXPECT_EQ(country_of(f), "US");
  EXPECT_FALSE(
    s.features_for(test::in_country(sample_tx(t0_ms + 3 * hour_ms), "FR"))
      .new_country);
}

TEST(card_state, countries_are_bounded_and_the_least_used_gives_way) {
  card_state s;
  auto t = t0_ms;
  s.apply(test::in_country(sample_tx(t), "AA"));
  s.apply(test::in_country(sample_tx(t += hour_ms), "AA"));
  // fill the other slots once each, then one more country
  const char* once[] = {"BA", "BB", "BC", "BD", "BE", "BF", "BG", "ZZ"};
  for (auto* c : once)
    s.apply(test::in_country(sample_tx(t += hour_ms), c));
  EXPECT_EQ(s.country_count(), card_state::max_countries);
  EXPECT_TRUE(s.knows_country("AA"));
  EXPECT_TRUE(s.knows_country("ZZ"));
  EXPECT_EQ(s.home_country(), "AA");
  int known = 0;
  for (auto* c : once)
    known += s.knows_country(c) ? 1 : 0;
  EXPECT_EQ(known, static_cast<int>(card_state::max_countries) - 1);
}

// ---- what is learnt --------------------------------------------------------

TEST(card_state, an_unapproved_attempt_counts_but_teaches_nothing) {
  card_state s;
  s.apply(test::located(test::online(sample_tx(t0_ms, 20), "phone"),
                        test::paris));
  auto attempt = test::in_country(
    test::located(test::online(sample_tx(t0_ms + minute_ms, 900), "laptop"),
                  test::new_york),
    "BR");
  s.apply_unapproved(attempt);
  EXPECT_EQ(s.tx_count(), 1u);
  EXPECT_DOUBLE_EQ(s.avg_amount(), 20);
  EXPECT_DOUBLE_EQ(s.last_lat(), test::paris.lat);
  EXPECT_EQ(s.last_located_ms(), t0_ms);
  EXPECT_FALSE(s.knows_device("laptop"));
  EXPECT_FALSE(s.knows_country("BR"));
  EXPECT_EQ(s.last_event_ms(), t0_ms + minute_ms);
  auto f = s.features_for(sample_tx(t0_ms + 2 * minute_ms, 5));
  EXPECT_EQ(f.count_1h, 3u);
  EXPECT_DOUBLE_EQ(f.sum_1h, 925);
}

TEST(card_state, cards_do_not_share_state) {
  card_state a;
  card_state b;
  apply_all(a, {test::located(test::online(sample_tx(t0_ms, 20), "phone"),
                              test::paris),
                test::in_country(sample_tx(t0_ms + minute_ms, 30), "FR")});
  EXPECT_EQ(b.tx_count(), 0u);
  EXPECT_FALSE(b.has_location());
  EXPECT_EQ(b.device_count(), 0u);
  EXPECT_EQ(b.country_count(), 0u);
  expect_same_features(b.features_for(sample_tx(t0_ms + 2 * minute_ms)),
                       card_state{}.features_for(
                         sample_tx(t0_ms + 2 * minute_ms)));
  EXPECT_EQ(a.features_for(sample_tx(t0_ms + 2 * minute_ms)).count_1h, 3u);
}

TEST(card_state, summary_shows_the_state) {
  card_state s;
  apply_all(s, {test::located(test::online(sample_tx(t0_ms, 10), "phone"),
                              test::paris),
                test::in_country(sample_tx(t0_ms + minute_ms, 30), "FR"),
                test::in_country(sample_tx(t0_ms + 2 * minute_ms, 20), "FR"),
                test::in_country(sample_tx(t0_ms - 2 * day_ms, 40), "FR")});
  // the last one came too late for any window, but the profile learns it
  auto sum = s.summary();
  EXPECT_EQ(sum.tx_count, 4u);
  EXPECT_EQ(sum.last_event_ms, t0_ms + 2 * minute_ms);
  EXPECT_TRUE(sum.has_location);
  EXPECT_DOUBLE_EQ(sum.last_lat, test::paris.lat);
  EXPECT_DOUBLE_EQ(sum.last_lon, test::paris.lon);
  EXPECT_EQ(sum.last_located_ms, t0_ms);
  EXPECT_DOUBLE_EQ(sum.avg_amount, 25);
  EXPECT_DOUBLE_EQ(sum.amount_stddev, s.amount_stddev());
  EXPECT_GT(sum.amount_stddev, 0);
  EXPECT_EQ(sum.device_count, 1u);
  EXPECT_EQ(sum.country_count, 2u);
  EXPECT_EQ(sum.home_country, "FR");
  EXPECT_EQ(sum.count_1h, 3u);
  EXPECT_EQ(sum.count_24h, 3u);
}

} // namespace
} // namespace fraud::models
