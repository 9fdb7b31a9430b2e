// Each default rule, firing and not firing, on histories built the way the
// card actor builds them. Inputs stay well away from the thresholds.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/geo.hpp"
#include "tests/models/card_history.hpp"

namespace fraud::models {
namespace {

using test::after_hourly;
using test::card_history;
using test::find_reason;
using test::hourly_payments;
using test::located;
using test::minute_ms;
using test::online;
using test::place;
using test::sample_tx;
using test::t0_ms;

// The default ruleset's numbers (models/default_ruleset.cpp) these tests
// rely on. The inputs are derived from them: tuning a rule means changing
// its line here.
constexpr int review_at = 40;
constexpr int decline_at = 75;

constexpr double travel_max_kmh = 900;  // impossible_travel
constexpr double travel_min_km = 300;
constexpr int travel_score = 80;

constexpr int probes_limit = 3;  // card_testing, of up to small_amount
constexpr std::int64_t probe_window_ms = 10 * minute_ms;
constexpr int probes_score = 80;

constexpr double far_device_min_km = 300;  // new_device_far_away
constexpr int far_device_score = 80;

constexpr double new_device_ratio = 3;  // new_device_amount
constexpr int new_device_min_history = 3;
constexpr int new_device_score = 45;

constexpr double new_country_ratio = 3;  // new_country_amount
constexpr int new_country_min_history = 3;
constexpr int new_country_score = 25;

constexpr double spike_z = 3.5;  // amount_spike
constexpr double spike_ratio = 5;
constexpr int spike_min_history = 5;
constexpr int spike_score = 45;

constexpr int velocity_per_hour = 10;  // velocity_spike
constexpr int velocity_score = 40;

action action_for(int score) {
  return score >= decline_at  ? action::decline
         : score >= review_at ? action::review
                              : action::approve;
}

bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

/// A sentence for a person: words, numbers filled in, no format residue.
void expect_readable(const std::string& detail) {
  EXPECT_GT(detail.size(), 20u) << detail;
  EXPECT_GE(std::count(detail.begin(), detail.end(), ' '), 4) << detail;
  EXPECT_FALSE(contains(detail, "%")) << detail;
  EXPECT_FALSE(contains(detail, "nan")) << detail;
  EXPECT_FALSE(contains(detail, "inf")) << detail;
}

/// Checks the reason `rule` gave in `d` and that the action follows the
/// score; returns the reason (null, and a failure, when it did not fire).
const reason* expect_fired(const decision& d, const char* rule,
                           double threshold, int score) {
  auto* r = find_reason(d, rule);
  EXPECT_NE(r, nullptr) << rule << " did not fire: " << test::reasons_of(d);
  if (r == nullptr)
    return nullptr;
  EXPECT_EQ(r->threshold, threshold);
  EXPECT_EQ(r->score, score);
  expect_readable(r->detail);
  EXPECT_GE(d.score, std::min(score, 100));
  EXPECT_EQ(d.action, action_for(d.score));
  return r;
}

void expect_quiet(const decision& d, const char* rule) {
  EXPECT_EQ(find_reason(d, rule), nullptr) << rule << " fired: "
                                           << test::reasons_of(d);
}

double km_between(place a, place b) {
  return distance_km(a.lat, a.lon, b.lat, b.lon);
}

/// How long the trip from `a` to `b` takes at `kmh`.
std::int64_t trip_ms(place a, place b, double kmh) {
  return static_cast<std::int64_t>(km_between(a, b) / kmh * test::hour_ms);
}

std::vector<transaction> all_online(std::vector<transaction> txs,
                                    const std::string& device) {
  for (auto& tx : txs)
    tx = online(tx, device);
  return txs;
}

std::vector<transaction> all_in(std::vector<transaction> txs,
                                const std::string& country) {
  for (auto& tx : txs)
    tx = test::in_country(tx, country);
  return txs;
}

// ---- impossible_travel -----------------------------------------------------

TEST(default_ruleset, impossible_travel_fires_faster_than_an_airliner) {
  card_history card;
  card.approve({located(sample_tx(t0_ms), test::paris)});
  auto speed = 2 * travel_max_kmh;
  auto tx = located(
    sample_tx(t0_ms + trip_ms(test::paris, test::new_york, speed)),
    test::new_york);
  auto d = card.score(tx);
  auto* r = expect_fired(d, "impossible_travel", travel_max_kmh, travel_score);
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->value, speed, speed * 0.01);
  EXPECT_TRUE(contains(r->detail, "km/h")) << r->detail;
  EXPECT_EQ(d.action, action::decline);
}

TEST(default_ruleset, impossible_travel_quiet_at_airliner_speed) {
  card_history card;
  card.approve({located(sample_tx(t0_ms), test::paris)});
  auto tx = located(sample_tx(t0_ms + trip_ms(test::paris, test::new_york,
                                              travel_max_kmh / 2)),
                    test::new_york);
  auto d = card.score(tx);
  expect_quiet(d, "impossible_travel");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, impossible_travel_quiet_for_a_short_hop) {
  // Fast on paper, but within the error of terminal and IP locations.
  card_history card;
  card.approve({located(sample_tx(t0_ms), test::paris)});
  auto nearby = test::north_of(test::paris, travel_min_km / 2);
  auto tx = located(sample_tx(t0_ms + minute_ms), nearby);
  ASSERT_GT(card.features_for(tx).speed_kmh, travel_max_kmh);
  expect_quiet(card.score(tx), "impossible_travel");
}

TEST(default_ruleset, impossible_travel_quiet_without_a_previous_location) {
  card_history card;
  expect_quiet(card.score(located(sample_tx(t0_ms), test::paris)),
               "impossible_travel");
  card_history unlocated;
  unlocated.approve({sample_tx(t0_ms)});
  expect_quiet(unlocated.score(located(sample_tx(t0_ms + minute_ms),
                                       test::new_york)),
               "impossible_travel");
}

// ---- card_testing ----------------------------------------------------------

transaction probe(std::int64_t at_ms, double amount = small_amount / 2) {
  return online(sample_tx(at_ms, amount), "tester-laptop");
}

/// `n` probes spread over half the probe window, from t0.
std::vector<transaction> probes(int n, double amount = small_amount / 2) {
  std::vector<transaction> out;
  for (int i = 0; i < n; ++i)
    out.push_back(probe(t0_ms + i * (probe_window_ms / 2) / n, amount));
  return out;
}

constexpr std::int64_t after_probes = t0_ms + probe_window_ms / 2;

TEST(default_ruleset, card_testing_fires_on_a_burst_of_small_online_payments) {
  card_history card;
  card.approve(probes(probes_limit - 1));
  auto d = card.score(probe(after_probes));
  auto* r = expect_fired(d, "card_testing", probes_limit, probes_score);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, probes_limit);
  EXPECT_TRUE(contains(r->detail, "10 minutes")) << r->detail;
  EXPECT_EQ(d.action, action::decline);
}

TEST(default_ruleset, card_testing_counts_a_payment_of_exactly_small_amount) {
  card_history card;
  card.approve(probes(probes_limit - 1, small_amount));
  expect_fired(card.score(probe(after_probes, small_amount)), "card_testing",
               probes_limit, probes_score);
}

TEST(default_ruleset, card_testing_keeps_counting_declined_probes) {
  card_history card;
  card.approve(probes(probes_limit - 1));
  EXPECT_EQ(card.score(probe(after_probes)).action, action::decline);
  auto d = card.score(probe(after_probes + minute_ms));
  auto* r = expect_fired(d, "card_testing", probes_limit, probes_score);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, probes_limit + 1);
}

TEST(default_ruleset, card_testing_quiet_just_below_the_limit) {
  card_history card;
  card.approve(probes(probes_limit - 2));
  auto d = card.score(probe(after_probes));
  expect_quiet(d, "card_testing");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, card_testing_quiet_for_card_present_payments) {
  card_history card;
  std::vector<transaction> small;
  for (int i = 0; i < probes_limit; ++i)
    small.push_back(sample_tx(t0_ms + i * minute_ms, small_amount / 2));
  card.approve(small);
  expect_quiet(card.score(sample_tx(after_probes, small_amount / 2)),
               "card_testing");
}

TEST(default_ruleset, card_testing_quiet_for_larger_online_payments) {
  card_history card;
  card.approve(probes(probes_limit, 2 * small_amount));
  expect_quiet(card.score(probe(after_probes, 2 * small_amount)),
               "card_testing");
}

TEST(default_ruleset, card_testing_compares_amounts_in_major_units) {
  // 400 yen is not a small payment, though its minor units are few.
  auto yen = [](std::int64_t t) {
    auto tx = probe(t);
    tx.currency = "JPY";
    tx.amount_minor = 400;
    return tx;
  };
  card_history card;
  std::vector<transaction> history;
  for (int i = 0; i < probes_limit; ++i)
    history.push_back(yen(t0_ms + i * minute_ms));
  card.approve(history);
  expect_quiet(card.score(yen(after_probes)), "card_testing");
}

TEST(default_ruleset, card_testing_quiet_when_probes_are_spread_out) {
  card_history card;
  std::vector<transaction> slow;
  for (int i = 0; i < probes_limit; ++i)
    slow.push_back(probe(t0_ms + i * 2 * probe_window_ms));
  card.approve(slow);
  expect_quiet(card.score(probe(t0_ms + probes_limit * 2 * probe_window_ms)),
               "card_testing");
}

// ---- new_device_far_away ---------------------------------------------------

TEST(default_ruleset, new_device_far_away_fires_for_a_stranger_far_away) {
  card_history card;
  card.approve({located(online(sample_tx(t0_ms), "phone"), test::paris)});
  // a day later: slow enough to be a flight, so only the device is news
  auto tx = located(online(sample_tx(t0_ms + test::day_ms), "laptop"),
                    test::new_york);
  auto d = card.score(tx);
  auto* r = expect_fired(d, "new_device_far_away", far_device_min_km,
                         far_device_score);
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->value, km_between(test::paris, test::new_york), 1);
  expect_quiet(d, "impossible_travel");
}

TEST(default_ruleset, new_device_far_away_fires_for_a_first_device_probe) {
  card_history card;
  card.approve({located(sample_tx(t0_ms), test::paris)});  // never online
  auto tx = located(probe(t0_ms + test::day_ms), test::new_york);
  expect_fired(card.score(tx), "new_device_far_away", far_device_min_km,
               far_device_score);
}

TEST(default_ruleset, new_device_far_away_quiet_near_the_last_use) {
  card_history card;
  card.approve({located(online(sample_tx(t0_ms), "phone"), test::paris)});
  auto nearby = test::north_of(test::paris, far_device_min_km / 2);
  auto d = card.score(
    located(online(sample_tx(t0_ms + test::day_ms), "laptop"), nearby));
  expect_quiet(d, "new_device_far_away");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, new_device_far_away_quiet_for_a_known_device) {
  card_history card;
  card.approve({located(online(sample_tx(t0_ms), "phone"), test::paris)});
  auto d = card.score(
    located(online(sample_tx(t0_ms + test::day_ms), "phone"), test::new_york));
  expect_quiet(d, "new_device_far_away");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, new_device_far_away_quiet_for_a_first_ordinary_purchase) {
  card_history card;
  card.approve({located(sample_tx(t0_ms), test::paris)});  // never online
  auto tx = located(online(sample_tx(t0_ms + test::day_ms), "phone"),
                    test::new_york);
  expect_quiet(card.score(tx), "new_device_far_away");
}

// ---- new_device_amount -----------------------------------------------------

constexpr double usual = 20;  // what the histories below spend
constexpr int enough_history = std::max(new_device_min_history,
                                        new_country_min_history) + 1;

/// A card that paid `usual` `n` times, an hour apart, online from its
/// phone.
card_history phone_user(int n = enough_history) {
  card_history card;
  card.approve(all_online(hourly_payments(n, usual), "phone"));
  return card;
}

/// The next payment after `n` hourly ones, of `ratio` times `usual`,
/// online from `device`.
transaction device_payment(double ratio, const char* device,
                           int n = enough_history) {
  return online(sample_tx(after_hourly(n), usual * ratio), device);
}

TEST(default_ruleset, new_device_amount_fires_for_a_large_first_use) {
  auto card = phone_user();
  auto ratio = 2 * new_device_ratio;
  auto d = card.score(device_payment(ratio, "laptop"));
  auto* r = expect_fired(d, "new_device_amount", new_device_ratio,
                         new_device_score);
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->value, ratio, 1e-9);
  EXPECT_TRUE(contains(r->detail, "20.00")) << r->detail;
}

TEST(default_ruleset, new_device_amount_quiet_below_the_ratio) {
  auto card = phone_user();
  auto d = card.score(device_payment(new_device_ratio * 0.7, "laptop"));
  expect_quiet(d, "new_device_amount");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, new_device_amount_quiet_for_a_known_device) {
  auto card = phone_user();
  expect_quiet(card.score(device_payment(new_device_ratio * 2, "phone")),
               "new_device_amount");
}

TEST(default_ruleset, new_device_amount_quiet_for_the_first_device_ever) {
  // A card used only in shops has no devices to compare a new one with.
  card_history card;
  card.approve(hourly_payments(enough_history, usual));
  expect_quiet(card.score(device_payment(new_device_ratio * 2, "phone")),
               "new_device_amount");
}

TEST(default_ruleset, new_device_amount_quiet_with_a_short_history) {
  auto short_history = new_device_min_history - 1;
  auto card = phone_user(short_history);
  expect_quiet(card.score(device_payment(new_device_ratio * 2, "laptop",
                                         short_history)),
               "new_device_amount");
}

// ---- new_country_amount ----------------------------------------------------

/// A card that paid `usual` `n` times, an hour apart, in shops in
/// `country`.
card_history shopper_in(const char* country, int n = enough_history) {
  card_history card;
  card.approve(all_in(hourly_payments(n, usual), country));
  return card;
}

/// The next payment after `n` hourly ones, of `ratio` times `usual`, in a
/// shop in `country`.
transaction shop_payment(double ratio, const char* country,
                         int n = enough_history) {
  return test::in_country(sample_tx(after_hourly(n), usual * ratio), country);
}

TEST(default_ruleset, new_country_amount_fires_in_a_shop_abroad) {
  auto card = shopper_in("DE");
  auto ratio = 2 * new_country_ratio;
  auto d = card.score(shop_payment(ratio, "FR"));
  auto* r = expect_fired(d, "new_country_amount", new_country_ratio,
                         new_country_score);
  ASSERT_NE(r, nullptr);
  EXPECT_NEAR(r->value, ratio, 1e-9);
  EXPECT_TRUE(contains(r->detail, "FR")) << r->detail;
  // weak on its own: travellers pay hotels abroad
  EXPECT_NE(d.action, action::decline);
}

TEST(default_ruleset, new_country_amount_quiet_online) {
  // Online the country is the web shop's, not where the card is.
  card_history card;
  card.approve(all_online(all_in(hourly_payments(enough_history, usual), "DE"),
                          "phone"));
  auto tx = online(shop_payment(new_country_ratio * 2, "FR"), "phone");
  expect_quiet(card.score(tx), "new_country_amount");
}

TEST(default_ruleset, new_country_amount_quiet_below_the_ratio) {
  auto card = shopper_in("DE");
  auto d = card.score(shop_payment(new_country_ratio * 0.7, "FR"));
  expect_quiet(d, "new_country_amount");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, new_country_amount_quiet_in_a_known_country) {
  card_history card;
  auto history = all_in(hourly_payments(enough_history, usual), "DE");
  history.front() = test::in_country(history.front(), "FR");
  card.approve(history);
  expect_quiet(card.score(shop_payment(new_country_ratio * 2, "FR")),
               "new_country_amount");
}

TEST(default_ruleset, new_country_amount_quiet_with_a_short_history) {
  auto short_history = new_country_min_history - 1;
  auto card = shopper_in("DE", short_history);
  expect_quiet(card.score(shop_payment(new_country_ratio * 2, "FR",
                                       short_history)),
               "new_country_amount");
}

// ---- amount_spike ----------------------------------------------------------

// A card that spends about `usual`, a little more or less each time.
std::vector<transaction> steady_spender(int n) {
  std::vector<double> amounts;
  for (int i = 0; i < n; ++i)
    amounts.push_back(usual + (i % 3 - 1) * 2);  // 18, 20, 22, ...
  return hourly_payments(amounts);
}

TEST(default_ruleset, amount_spike_fires_far_above_the_profile) {
  card_history card;
  card.approve(steady_spender(spike_min_history + 1));
  auto tx = sample_tx(after_hourly(spike_min_history + 1),
                      usual * spike_ratio * 3);
  auto f = card.features_for(tx);
  ASSERT_GE(f.amount_z, spike_z * 2);
  auto d = card.score(tx);
  auto* r = expect_fired(d, "amount_spike", spike_z, spike_score);
  ASSERT_NE(r, nullptr);
  EXPECT_DOUBLE_EQ(r->value, f.amount_z);
  EXPECT_TRUE(contains(r->detail, "standard deviations")) << r->detail;
}

TEST(default_ruleset, amount_spike_quiet_below_the_ratio) {
  card_history card;
  card.approve(steady_spender(spike_min_history + 1));
  auto tx = sample_tx(after_hourly(spike_min_history + 1),
                      usual * spike_ratio * 0.6);
  // far out in standard deviations, but not enough times the average
  ASSERT_GE(card.features_for(tx).amount_z, spike_z);
  expect_quiet(card.score(tx), "amount_spike");
}

TEST(default_ruleset, amount_spike_quiet_for_a_card_whose_amounts_vary_widely) {
  card_history card;
  std::vector<double> amounts;
  for (int i = 0; i <= spike_min_history; ++i)
    amounts.push_back(i % 2 == 0 ? usual / 10 : usual * 10);
  card.approve(hourly_payments(amounts));
  auto tx = sample_tx(after_hourly(spike_min_history + 1),
                      card.state().avg_amount() * spike_ratio * 1.5);
  auto f = card.features_for(tx);
  ASSERT_GE(f.amount_ratio, spike_ratio);
  ASSERT_LT(f.amount_z, spike_z);
  expect_quiet(card.score(tx), "amount_spike");
}

TEST(default_ruleset, amount_spike_quiet_with_a_short_history) {
  card_history card;
  card.approve(steady_spender(spike_min_history - 1));
  expect_quiet(card.score(sample_tx(after_hourly(spike_min_history - 1),
                                    usual * spike_ratio * 3)),
               "amount_spike");
}

// ---- velocity_spike --------------------------------------------------------

/// `n` ordinary payments evenly over the first 50 minutes from t0.
std::vector<transaction> busy_hour(int n) {
  std::vector<transaction> out;
  for (int i = 0; i < n; ++i)
    out.push_back(sample_tx(t0_ms + i * (50 * minute_ms) / n, usual));
  return out;
}

constexpr std::int64_t after_busy_hour = t0_ms + 50 * minute_ms;

TEST(default_ruleset, velocity_spike_fires_at_its_hourly_count) {
  card_history card;
  card.approve(busy_hour(velocity_per_hour - 1));
  auto d = card.score(sample_tx(after_busy_hour, usual));
  auto* r = expect_fired(d, "velocity_spike", velocity_per_hour,
                         velocity_score);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, velocity_per_hour);
  EXPECT_TRUE(contains(r->detail, "in the last hour")) << r->detail;
}

TEST(default_ruleset, velocity_spike_quiet_just_below_its_count) {
  card_history card;
  card.approve(busy_hour(velocity_per_hour - 2));
  auto d = card.score(sample_tx(after_busy_hour, usual));
  expect_quiet(d, "velocity_spike");
  EXPECT_EQ(d.action, action::approve);
}

TEST(default_ruleset, velocity_spike_quiet_when_spread_over_hours) {
  card_history card;
  card.approve(hourly_payments(2 * velocity_per_hour, usual));
  expect_quiet(card.score(sample_tx(after_hourly(2 * velocity_per_hour),
                                    usual)),
               "velocity_spike");
}

// ---- together --------------------------------------------------------------

TEST(default_ruleset, every_rule_that_fired_is_a_reason_and_the_score_caps) {
  card_history card;
  card.approve({located(online(sample_tx(t0_ms, usual), "phone"),
                        test::paris)});
  // minutes later, from another continent and device: travel and device
  auto d = card.score(located(
    online(sample_tx(t0_ms + 10 * minute_ms, usual), "laptop"),
    test::new_york));
  ASSERT_NE(find_reason(d, "impossible_travel"), nullptr);
  ASSERT_NE(find_reason(d, "new_device_far_away"), nullptr);
  int total = 0;
  for (auto& r : d.reasons)
    total += r.score;
  EXPECT_EQ(d.score, std::min(total, 100));
  EXPECT_EQ(d.action, action::decline);
}

TEST(default_ruleset, an_ordinary_payment_is_approved_without_reasons) {
  card_history card;
  card.approve(hourly_payments(10, usual));
  auto d = card.score(sample_tx(after_hourly(10), usual));
  EXPECT_EQ(d.action, action::approve);
  EXPECT_EQ(d.score, 0);
  EXPECT_TRUE(d.reasons.empty()) << test::reasons_of(d);
}

} // namespace
} // namespace fraud::models
