#include "models/transaction.hpp"

#include <string>

#include <gtest/gtest.h>

#include "models/decision.hpp"
#include "tests/models/sample_transaction.hpp"

namespace fraud::models {
namespace {

double major_units_of(std::int64_t minor, const char* currency) {
  auto tx = test::sample_tx();
  tx.amount_minor = minor;
  tx.currency = currency;
  return major_units(tx);
}

TEST(currency, most_currencies_have_two_decimals) {
  for (const char* c : {"USD", "EUR", "GBP", "CHF", "INR", "BRL"})
    EXPECT_EQ(currency_exponent(c), 2) << c;
}

TEST(currency, zero_decimal_currencies) {
  for (const char* c : {"JPY", "KRW", "VND", "CLP", "ISK", "XAF", "XOF"})
    EXPECT_EQ(currency_exponent(c), 0) << c;
}

TEST(currency, three_decimal_currencies) {
  for (const char* c : {"KWD", "BHD", "JOD", "OMR", "TND", "IQD", "LYD"})
    EXPECT_EQ(currency_exponent(c), 3) << c;
}

TEST(currency, an_unknown_code_is_taken_as_two_decimals) {
  EXPECT_EQ(currency_exponent("XYZ"), 2);
  EXPECT_EQ(currency_exponent(""), 2);
  EXPECT_EQ(currency_exponent("jpy"), 2);  // validation rejects lower case
}

TEST(currency, major_units_divide_by_the_currency_exponent) {
  EXPECT_DOUBLE_EQ(major_units_of(1234, "USD"), 12.34);
  EXPECT_DOUBLE_EQ(major_units_of(1234, "JPY"), 1234.0);
  EXPECT_DOUBLE_EQ(major_units_of(1234, "KWD"), 1.234);
  EXPECT_DOUBLE_EQ(major_units_of(1, "EUR"), 0.01);
  EXPECT_DOUBLE_EQ(major_units_of(1'000'000'000'000, "USD"), 1e10);
}

TEST(transaction, channel_names_are_the_wire_names) {
  EXPECT_STREQ(to_string(channel::pos), "POS");
  EXPECT_STREQ(to_string(channel::ecom), "ECOM");
  EXPECT_STREQ(to_string(channel::atm), "ATM");
}

TEST(transaction, only_ecom_is_card_not_present) {
  auto tx = test::sample_tx();
  tx.channel = channel::pos;
  EXPECT_TRUE(tx.card_present());
  tx.channel = channel::atm;
  EXPECT_TRUE(tx.card_present());
  tx.channel = channel::ecom;
  EXPECT_FALSE(tx.card_present());
}

TEST(decision, action_names_are_lower_case_subject_tokens) {
  EXPECT_STREQ(to_string(action::approve), "approve");
  EXPECT_STREQ(to_string(action::review), "review");
  EXPECT_STREQ(to_string(action::decline), "decline");
}

} // namespace
} // namespace fraud::models
