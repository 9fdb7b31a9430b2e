// Field-by-field comparison of two feature sets, for tests that check that
// the same history gives the same features (replays, copies, snapshots).
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "models/features.hpp"

namespace fraud::test {

inline void expect_same_features(const models::features& a,
                                 const models::features& b) {
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.mcc, b.mcc);
  EXPECT_EQ(std::string{a.country}, std::string{b.country});
  EXPECT_EQ(a.card_present, b.card_present);
  EXPECT_EQ(a.currency_known, b.currency_known);
  EXPECT_EQ(a.foreign_currency, b.foreign_currency);
  EXPECT_EQ(a.amount_home, b.amount_home);
  EXPECT_EQ(a.tx_count, b.tx_count);
  EXPECT_EQ(a.has_previous_location, b.has_previous_location);
  EXPECT_EQ(a.distance_km, b.distance_km);
  EXPECT_EQ(a.minutes_since_located, b.minutes_since_located);
  EXPECT_EQ(a.speed_kmh, b.speed_kmh);
  EXPECT_EQ(a.seconds_since_last, b.seconds_since_last);
  EXPECT_EQ(a.count_1m, b.count_1m);
  EXPECT_EQ(a.sum_1m, b.sum_1m);
  EXPECT_EQ(a.count_1h, b.count_1h);
  EXPECT_EQ(a.sum_1h, b.sum_1h);
  EXPECT_EQ(a.count_24h, b.count_24h);
  EXPECT_EQ(a.sum_24h, b.sum_24h);
  EXPECT_EQ(a.small_cnp_count_10m, b.small_cnp_count_10m);
  EXPECT_EQ(a.cp_high_count_1h, b.cp_high_count_1h);
  EXPECT_EQ(a.cp_high_sum_1h, b.cp_high_sum_1h);
  EXPECT_EQ(a.goods_high, b.goods_high);
  EXPECT_EQ(a.goods_high_count_7d, b.goods_high_count_7d);
  EXPECT_EQ(a.goods_high_sum_7d, b.goods_high_sum_7d);
  EXPECT_EQ(a.avg_amount, b.avg_amount);
  EXPECT_EQ(a.amount_ratio, b.amount_ratio);
  EXPECT_EQ(a.amount_z, b.amount_z);
  EXPECT_EQ(a.usual_daily_spend, b.usual_daily_spend);
  EXPECT_EQ(a.spend_velocity_1h, b.spend_velocity_1h);
  EXPECT_EQ(a.spend_velocity_24h, b.spend_velocity_24h);
  EXPECT_EQ(a.new_device, b.new_device);
  EXPECT_EQ(a.known_devices, b.known_devices);
  EXPECT_EQ(a.new_country, b.new_country);
  EXPECT_EQ(std::string{a.home_country}, std::string{b.home_country});
}

} // namespace fraud::test
