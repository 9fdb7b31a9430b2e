// The rates table: parsing (with errors that name the line), lookups and
// conversion, and the built-in table.
#include <gtest/gtest.h>

#include <string>

#include "models/rates.hpp"
#include "models/transaction.hpp"

namespace {

using namespace fraud::models;

rates parsed(const std::string& text) {
  auto r = rates::parse(text);
  EXPECT_TRUE(r) << r.error().what();
  return r ? *r : rates{};
}

std::string errors_of(const std::string& text) {
  auto r = rates::parse(text);
  EXPECT_FALSE(r) << "expected errors in:\n" << text;
  return r ? std::string{} : r.error().what();
}

const char* small_table = "reference EUR\n"
                          "EUR 2 1   # the reference\n"
                          "USD 2 1.08\n"
                          "JPY 0 162\n"
                          "KWD 3 0.332\n";

TEST(rates, parses_codes_exponents_and_rates) {
  auto r = parsed(small_table);
  EXPECT_EQ(r.reference(), "EUR");
  ASSERT_EQ(r.currencies().size(), 4u);
  auto* jpy = r.find("JPY");
  ASSERT_NE(jpy, nullptr);
  EXPECT_EQ(jpy->name(), "JPY");
  EXPECT_EQ(jpy->exponent, 0);
  EXPECT_EQ(jpy->per_reference, 162);
  EXPECT_EQ(r.find("KWD")->exponent, 3);
  EXPECT_EQ(r.text(), small_table);
}

TEST(rates, an_unknown_or_malformed_code_is_not_found) {
  auto r = parsed(small_table);
  EXPECT_EQ(r.find("GBP"), nullptr);
  EXPECT_EQ(r.find("usd"), nullptr);
  EXPECT_EQ(r.find("US"), nullptr);
  EXPECT_EQ(r.find("USDX"), nullptr);
  EXPECT_EQ(r.find(""), nullptr);
  EXPECT_EQ(r.find(std::string("U\0D", 3)), nullptr);
}

TEST(rates, converts_minor_units_between_currencies) {
  auto r = parsed(small_table);
  auto& eur = *r.find("EUR");
  auto& jpy = *r.find("JPY");
  auto& kwd = *r.find("KWD");
  auto& usd = *r.find("USD");
  // 4,800 yen for lunch in Tokyo is about 30 euros, not 4,800
  EXPECT_NEAR(rates::convert(4'800, jpy, eur), 29.63, 0.01);
  // 3 dinars (3,000 fils) are about 9 euros
  EXPECT_NEAR(rates::convert(3'000, kwd, eur), 9.04, 0.01);
  EXPECT_NEAR(rates::convert(10'000, eur, usd), 108.0, 1e-9);
  EXPECT_NEAR(rates::convert(10'800, usd, eur), 100.0, 1e-9);
}

TEST(rates, the_same_currency_is_exact) {
  auto r = parsed(small_table);
  auto& usd = *r.find("USD");
  EXPECT_EQ(rates::convert(1'234, usd, usd), 12.34);
  EXPECT_EQ(rates::convert(7, *r.find("JPY"), *r.find("JPY")), 7.0);
  EXPECT_EQ(rates::to_minor(12.345, *r.find("KWD")), 12'345);
  EXPECT_EQ(rates::to_minor(29.626, *r.find("EUR")), 2'963);
}

TEST(rates, errors_name_their_lines) {
  auto e = errors_of("reference EUR\n"
                     "EUR 2 1\n"
                     "usd 2 1.08\n"
                     "JPY 0\n"
                     "KWD 7 0.332\n"
                     "GBP 2 -0.85\n"
                     "CHF 2 abc\n"
                     "EUR 2 1\n");
  EXPECT_NE(e.find("line 3: expected an ISO 4217 code"), std::string::npos)
    << e;
  EXPECT_NE(e.find("line 4: expected a currency code, its minor-unit "
                   "exponent and its rate"),
            std::string::npos) << e;
  EXPECT_NE(e.find("line 5: KWD: expected a minor-unit exponent"),
            std::string::npos) << e;
  EXPECT_NE(e.find("line 6: GBP: expected a rate above 0"), std::string::npos)
    << e;
  EXPECT_NE(e.find("line 7: CHF: expected a rate"), std::string::npos) << e;
  EXPECT_NE(e.find("line 8: EUR is listed twice"), std::string::npos) << e;
}

TEST(rates, the_reference_must_be_named_listed_and_one) {
  EXPECT_NE(errors_of("EUR 2 1\n").find("no reference currency"),
            std::string::npos);
  EXPECT_NE(errors_of("reference EUR\nUSD 2 1.08\n")
              .find("line 1: the reference currency EUR is not listed"),
            std::string::npos);
  EXPECT_NE(errors_of("reference EUR\nEUR 2 1.1\n").find("must have the rate 1"),
            std::string::npos);
  EXPECT_NE(errors_of("reference EUR\nreference USD\nEUR 2 1\n")
              .find("line 2: a second reference currency"),
            std::string::npos);
  EXPECT_NE(errors_of("reference euro\nEUR 2 1\n").find("line 1: expected"),
            std::string::npos);
}

TEST(rates, odd_numbers_are_refused) {
  for (const char* rate : {"1e3", "inf", "nan", "0x10", "1.2.3", ".", "+1",
                           "0", "0.000"})
    errors_of(std::string{"reference EUR\nEUR 2 1\nUSD 2 "} + rate + "\n");
  errors_of("reference EUR\nEUR 2.5 1\n");
}

TEST(rates, a_text_too_large_is_refused_before_parsing) {
  std::string big(rates::max_text_bytes + 1, '#');
  auto r = rates::parse(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), fraud::ec::limit_exceeded);
}

TEST(rates, the_built_in_table_parses_and_knows_the_common_currencies) {
  auto r = rates::parse(default_rates_text());
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_GE(r->currencies().size(), 100u);
  EXPECT_EQ(r->reference(), "EUR");
  for (const char* code : {"EUR", "USD", "GBP", "JPY", "CNY", "KRW", "INR",
                           "BRL", "CHF", "KWD", "BHD", "VND", "IDR", "AUD",
                           "CAD", "SGD", "NZD", "MXN", "ZAR", "TRY"})
    EXPECT_NE(default_rates().find(code), nullptr) << code;
  // ISO 4217 minor units
  EXPECT_EQ(default_rates().find("JPY")->exponent, 0);
  EXPECT_EQ(default_rates().find("KRW")->exponent, 0);
  EXPECT_EQ(default_rates().find("KWD")->exponent, 3);
  EXPECT_EQ(default_rates().find("USD")->exponent, 2);
  EXPECT_EQ(default_rates().version(), "builtin");
}

TEST(rates, the_built_in_exponents_agree_with_the_wire_defaults) {
  // currency_exponent() is what fraudd shows amounts with; the table is
  // what it scores with: they must not disagree.
  for (auto& c : default_rates().currencies())
    EXPECT_EQ(currency_exponent(std::string{c.name()}), c.exponent)
      << c.name();
}

} // namespace
