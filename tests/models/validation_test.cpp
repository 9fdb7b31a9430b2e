#include "models/validation.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "tests/models/sample_transaction.hpp"

namespace fraud::models {
namespace {

using test::sample_tx;

constexpr std::int64_t year_2000_ms = 946'684'800'000;
constexpr std::int64_t year_2100_ms = 4'102'444'800'000;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

/// The field validation names, or "" when the transaction is accepted.
std::string rejected_field(const transaction& tx) {
  auto bad = validate(tx);
  if (!bad)
    return "";
  EXPECT_EQ(bad.code(), fraud::ec::invalid_field);
  EXPECT_FALSE(bad.what().empty()) << "no message for " << bad.field();
  return bad.field();
}

/// A valid transaction with one field set to `value`, then validated.
template <class T, class V>
std::string rejected_with(T transaction::*field, V value) {
  auto tx = sample_tx();
  tx.*field = value;
  return rejected_field(tx);
}

std::string rejected_at(double lat, double lon) {
  auto tx = test::located(sample_tx(), {lat, lon});
  return rejected_field(tx);
}

TEST(validation, the_sample_transaction_is_valid) {
  EXPECT_EQ(rejected_field(sample_tx()), "");
  EXPECT_EQ(rejected_field(test::online(sample_tx(), "device-1")), "");
  EXPECT_EQ(rejected_field(test::located(sample_tx(), test::paris)), "");
}

TEST(validation, tx_id_is_1_to_64_printable_characters) {
  EXPECT_EQ(rejected_with(&transaction::tx_id, "a"), "");
  EXPECT_EQ(rejected_with(&transaction::tx_id, std::string(64, 'x')), "");
  EXPECT_EQ(rejected_with(&transaction::tx_id, "order#42/2024:abc~!"), "");
  EXPECT_EQ(rejected_with(&transaction::tx_id, std::string(65, 'x')), "tx_id");
  EXPECT_EQ(rejected_with(&transaction::tx_id, ""), "tx_id");
  EXPECT_EQ(rejected_with(&transaction::tx_id, "has space"), "tx_id");
  EXPECT_EQ(rejected_with(&transaction::tx_id, "tab\there"), "tx_id");
  EXPECT_EQ(rejected_with(&transaction::tx_id, std::string("nul\0x", 5)),
            "tx_id");
  EXPECT_EQ(rejected_with(&transaction::tx_id, "caf\xc3\xa9"), "tx_id");
  EXPECT_EQ(rejected_with(&transaction::tx_id, "del\x7f"), "tx_id");
}

TEST(validation, card_id_is_a_card_token) {
  EXPECT_EQ(rejected_with(&transaction::card_id, "a"), "");
  EXPECT_EQ(rejected_with(&transaction::card_id, "AZaz09_-"), "");
  EXPECT_EQ(rejected_with(&transaction::card_id, std::string(64, 'c')), "");
  EXPECT_EQ(rejected_with(&transaction::card_id, std::string(65, 'c')),
            "card_id");
  EXPECT_EQ(rejected_with(&transaction::card_id, ""), "card_id");
  // characters that would break a NATS subject token, or look like a PAN
  // with separators
  for (const char* bad : {"card.1", "card*", "card>", "card 1", "card/1",
                          "4111 1111 1111 1111", "card:1", "caf\xc3\xa9"})
    EXPECT_EQ(rejected_with(&transaction::card_id, bad), "card_id") << bad;
}

TEST(validation, is_card_token_matches_the_token_grammar) {
  EXPECT_TRUE(is_card_token("tok_ABC-123"));
  EXPECT_TRUE(is_card_token(std::string(64, '-')));
  EXPECT_FALSE(is_card_token(""));
  EXPECT_FALSE(is_card_token(std::string(65, 'a')));
  EXPECT_FALSE(is_card_token("a.b"));
  EXPECT_FALSE(is_card_token("a+b"));
}

TEST(validation, account_id_may_be_empty_and_is_at_most_64_printable) {
  EXPECT_EQ(rejected_with(&transaction::account_id, ""), "");
  EXPECT_EQ(rejected_with(&transaction::account_id, std::string(64, 'a')), "");
  EXPECT_EQ(rejected_with(&transaction::account_id, std::string(65, 'a')),
            "account_id");
  EXPECT_EQ(rejected_with(&transaction::account_id, "acct 1"), "account_id");
}

TEST(validation, amount_is_positive_and_at_most_10_to_the_12) {
  constexpr std::int64_t max_amount = 1'000'000'000'000;
  EXPECT_EQ(rejected_with(&transaction::amount_minor, 1), "");
  EXPECT_EQ(rejected_with(&transaction::amount_minor, max_amount), "");
  EXPECT_EQ(rejected_with(&transaction::amount_minor, max_amount + 1),
            "amount_minor");
  EXPECT_EQ(rejected_with(&transaction::amount_minor, 0), "amount_minor");
  EXPECT_EQ(rejected_with(&transaction::amount_minor, -1), "amount_minor");
  EXPECT_EQ(rejected_with(&transaction::amount_minor,
                          std::numeric_limits<std::int64_t>::min()),
            "amount_minor");
  EXPECT_EQ(rejected_with(&transaction::amount_minor,
                          std::numeric_limits<std::int64_t>::max()),
            "amount_minor");
}

TEST(validation, currency_is_three_upper_case_letters) {
  for (const char* ok : {"USD", "EUR", "JPY", "KWD", "XYZ"})
    EXPECT_EQ(rejected_with(&transaction::currency, ok), "") << ok;
  for (const char* bad : {"", "US", "USDX", "usd", "Usd", "US1", "U D", "€"})
    EXPECT_EQ(rejected_with(&transaction::currency, bad), "currency") << bad;
}

TEST(validation, merchant_id_is_1_to_64_printable_characters) {
  EXPECT_EQ(rejected_with(&transaction::merchant_id, "m"), "");
  EXPECT_EQ(rejected_with(&transaction::merchant_id, std::string(64, 'm')), "");
  EXPECT_EQ(rejected_with(&transaction::merchant_id, std::string(65, 'm')),
            "merchant_id");
  EXPECT_EQ(rejected_with(&transaction::merchant_id, ""), "merchant_id");
  EXPECT_EQ(rejected_with(&transaction::merchant_id, "shop 1"), "merchant_id");
}

TEST(validation, mcc_is_0_to_9999) {
  EXPECT_EQ(rejected_with(&transaction::mcc, 0u), "");
  EXPECT_EQ(rejected_with(&transaction::mcc, 9999u), "");
  EXPECT_EQ(rejected_with(&transaction::mcc, 10000u), "mcc");
}

TEST(validation, country_is_two_upper_case_letters) {
  for (const char* ok : {"US", "FR", "GB", "ZZ"})
    EXPECT_EQ(rejected_with(&transaction::country, ok), "") << ok;
  for (const char* bad : {"", "U", "USA", "us", "Fr", "F1", "F "})
    EXPECT_EQ(rejected_with(&transaction::country, bad), "country") << bad;
}

TEST(validation, latitude_is_finite_from_minus_90_to_90) {
  EXPECT_EQ(rejected_at(90, 0), "");
  EXPECT_EQ(rejected_at(-90, 0), "");
  EXPECT_EQ(rejected_at(0, 0), "");
  EXPECT_EQ(rejected_at(90.001, 0), "lat");
  EXPECT_EQ(rejected_at(-90.001, 0), "lat");
  EXPECT_EQ(rejected_at(nan, 0), "lat");
  EXPECT_EQ(rejected_at(inf, 0), "lat");
  EXPECT_EQ(rejected_at(-inf, 0), "lat");
}

TEST(validation, longitude_is_finite_from_minus_180_to_180) {
  EXPECT_EQ(rejected_at(0, 180), "");
  EXPECT_EQ(rejected_at(0, -180), "");
  EXPECT_EQ(rejected_at(0, 180.001), "lon");
  EXPECT_EQ(rejected_at(0, -180.001), "lon");
  EXPECT_EQ(rejected_at(0, nan), "lon");
  EXPECT_EQ(rejected_at(0, inf), "lon");
}

TEST(validation, coordinates_without_a_location_are_not_looked_at) {
  auto tx = sample_tx();
  tx.has_location = false;
  tx.lat = nan;
  tx.lon = 1000;
  EXPECT_EQ(rejected_field(tx), "");
}

TEST(validation, device_id_may_be_empty_and_is_at_most_128_printable) {
  EXPECT_EQ(rejected_with(&transaction::device_id, ""), "");
  EXPECT_EQ(rejected_with(&transaction::device_id, std::string(128, 'd')), "");
  EXPECT_EQ(rejected_with(&transaction::device_id, std::string(129, 'd')),
            "device_id");
  EXPECT_EQ(rejected_with(&transaction::device_id, "my phone"), "device_id");
  EXPECT_EQ(rejected_with(&transaction::device_id, "dev\n"), "device_id");
}

TEST(validation, ip_may_be_empty) {
  EXPECT_EQ(rejected_with(&transaction::ip, ""), "");
}

TEST(validation, ip_accepts_dotted_quad_ipv4) {
  for (const char* ok : {"0.0.0.0", "1.2.3.4", "192.168.1.254",
                         "255.255.255.255", "10.0.0.1"})
    EXPECT_EQ(rejected_with(&transaction::ip, ok), "") << ok;
}

TEST(validation, ip_rejects_malformed_ipv4) {
  for (const char* bad : {"1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256",
                          "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.-4",
                          "1234.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1,2,3,4",
                          "a.b.c.d", "1.2.3.4/24", "1.2.3.4:80"})
    EXPECT_EQ(rejected_with(&transaction::ip, bad), "ip") << bad;
}

TEST(validation, ip_accepts_the_ipv6_text_forms) {
  for (const char* ok : {"::", "::1", "1::", "2001:db8::1",
                         "2001:0db8:0000:0000:0000:ff00:0042:8329",
                         "2001:DB8:0:0:8:800:200C:417A", "fe80::1:2",
                         "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
                         "::ffff:192.0.2.128", "64:ff9b::192.0.2.33",
                         "1:2:3:4:5:6:1.2.3.4"})
    EXPECT_EQ(rejected_with(&transaction::ip, ok), "") << ok;
}

TEST(validation, ip_rejects_malformed_ipv6) {
  for (const char* bad : {":", ":::", "::::::::", "1:2", "1:2:3:4:5:6:7",
                          "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::",
                          "1::2::3", "1:::2", ":1:2:3:4:5:6:7",
                          "1:2:3:4:5:6:7:", "12345::1", "2001:db8::g",
                          "fe80::1%eth0", "[::1]", "::1.2.3", "1.2.3.4::",
                          "::ffff:1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4",
                          "::1.2.3.4:1"})
    EXPECT_EQ(rejected_with(&transaction::ip, bad), "ip") << bad;
}

TEST(validation, ip_rejects_garbage) {
  for (const char* bad : {"localhost", "example.com", "not an ip", "-",
                          "0x7f000001", "2130706433", "\xff\xfe"})
    EXPECT_EQ(rejected_with(&transaction::ip, bad), "ip") << bad;
}

TEST(validation, channel_is_pos_ecom_or_atm) {
  for (auto ok : {channel::pos, channel::ecom, channel::atm})
    EXPECT_EQ(rejected_with(&transaction::channel, ok), "")
      << to_string(ok);
  EXPECT_EQ(rejected_with(&transaction::channel, static_cast<channel>(0)),
            "channel");
  EXPECT_EQ(rejected_with(&transaction::channel, static_cast<channel>(4)),
            "channel");
}

TEST(validation, event_time_is_unix_ms_from_2000_to_2100) {
  EXPECT_EQ(rejected_with(&transaction::event_time_ms, year_2000_ms), "");
  EXPECT_EQ(rejected_with(&transaction::event_time_ms, year_2100_ms - 1), "");
  EXPECT_EQ(rejected_with(&transaction::event_time_ms, year_2000_ms - 1),
            "event_time_ms");
  EXPECT_EQ(rejected_with(&transaction::event_time_ms, year_2100_ms),
            "event_time_ms");
  EXPECT_EQ(rejected_with(&transaction::event_time_ms, 0), "event_time_ms");
  EXPECT_EQ(rejected_with(&transaction::event_time_ms, -1), "event_time_ms");
  // seconds instead of milliseconds: a common client mistake
  EXPECT_EQ(rejected_with(&transaction::event_time_ms,
                          test::t0_ms / 1000),
            "event_time_ms");
}

TEST(validation, an_event_time_far_ahead_of_the_clock_is_refused) {
  auto tx = sample_tx();
  constexpr std::int64_t five_minutes = 300'000;
  tx.event_time_ms = test::t0_ms + five_minutes;
  EXPECT_TRUE(check_event_time(tx, test::t0_ms, five_minutes).ok());
  tx.event_time_ms = test::t0_ms - 86'400'000;  // late is fine
  EXPECT_TRUE(check_event_time(tx, test::t0_ms, five_minutes).ok());
  tx.event_time_ms = test::t0_ms + five_minutes + 1;
  auto err = check_event_time(tx, test::t0_ms, five_minutes);
  EXPECT_EQ(err.code(), fraud::ec::invalid_field);
  EXPECT_EQ(err.field(), "event_time_ms");
  EXPECT_NE(err.what().find("ahead"), std::string::npos) << err.what();
  EXPECT_TRUE(check_event_time(tx, test::t0_ms, 0).ok()) << "0: no check";
}

TEST(validation, names_the_first_bad_field) {
  auto tx = sample_tx();
  tx.tx_id.clear();
  tx.amount_minor = 0;
  tx.country = "usa";
  EXPECT_EQ(rejected_field(tx), "tx_id");
}

} // namespace
} // namespace fraud::models
