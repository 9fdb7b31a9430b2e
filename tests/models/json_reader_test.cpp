// The small JSON reader the model loader stands on.
#include "models/json_reader.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace fraud::models {
namespace {

TEST(json_reader, reads_members_and_skips_the_rest) {
  json_reader in{R"( {"a": [1, 2.5e1, -0.0], "skip": {"x": [true, false, null, "s"]},
                     "b": "t\"\\\/\n\u00e9\ud83d\ude00"} )"};
  std::vector<double> a;
  std::string b;
  ASSERT_TRUE(in.object([&](std::string_view key) {
    if (key == "a")
      return in.array([&] {
        double v = 0;
        if (!in.number(v))
          return false;
        a.push_back(v);
        return true;
      });
    if (key == "b")
      return in.string(b);
    return in.skip();
  })) << in.error();
  EXPECT_TRUE(in.at_end());
  EXPECT_EQ(a, (std::vector<double>{1, 25, -0.0}));
  EXPECT_EQ(b, "t\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(json_reader, floats_are_converted_once_and_exactly) {
  json_reader in{"[0.1, 1.1963470E0, 3.4028235e38, 1e39, NaN, -Infinity]"};
  std::vector<float> v;
  ASSERT_TRUE(in.array([&] {
    float x = 0;
    if (!in.number(x))
      return false;
    v.push_back(x);
    return true;
  })) << in.error();
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0], 0.1f);
  EXPECT_EQ(v[1], 1.1963470f);
  EXPECT_EQ(v[2], 3.4028235e38f);
  EXPECT_TRUE(std::isinf(v[3]));
  EXPECT_TRUE(std::isnan(v[4]));
  EXPECT_EQ(v[5], -INFINITY);
}

TEST(json_reader, numbers_in_strings_as_xgboost_writes_parameters) {
  json_reader in{R"(["5E-1", "300", "x"])"};
  float f = 0;
  std::int64_t i = 0;
  std::int64_t bad = 0;
  int n = 0;
  EXPECT_FALSE(in.array([&] {
    ++n;
    if (n == 1)
      return in.number_in_string(f);
    if (n == 2)
      return in.number_in_string(i);
    return in.number_in_string(bad);
  }));
  EXPECT_EQ(f, 0.5f);
  EXPECT_EQ(i, 300);
  EXPECT_NE(in.error().find("expected an integer in a string"), std::string::npos);
}

TEST(json_reader, bad_text_is_an_error_with_its_place) {
  for (const char* text : {"", "{", "{\"a\" 1}", "[1,]", "[01]", "[1.]", "[-]",
                           "\"\\x\"", "\"\\ud800\"", "\"abc", "tru", "{\"a\":1,}"}) {
    json_reader in{text};
    EXPECT_FALSE(in.skip() && in.at_end()) << text;
  }
  json_reader in{"[1, 2, x]"};
  EXPECT_FALSE(in.skip());
  EXPECT_EQ(in.error(), "expected a number at byte 7");
}

} // namespace
} // namespace fraud::models
