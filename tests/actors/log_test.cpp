// log_limiter: what FRAUD_LOG_LIMITED lets through.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "actors/runtime/log.hpp"

namespace fraud::log {
namespace {

constexpr std::int64_t second = 1'000'000'000;

TEST(log_limiter, lets_through_its_budget_then_holds_back) {
  log_limiter lim{3};
  EXPECT_EQ(lim.admit(1 * second), 0);
  EXPECT_EQ(lim.admit(2 * second), 0);
  EXPECT_EQ(lim.admit(3 * second), 0);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(lim.admit(4 * second), -1);
  EXPECT_EQ(lim.suppressed(), 100u);
}

TEST(log_limiter, the_next_minute_says_how_many_were_held_back) {
  log_limiter lim{1};
  EXPECT_EQ(lim.admit(1 * second), 0);
  EXPECT_EQ(lim.admit(2 * second), -1);
  EXPECT_EQ(lim.admit(3 * second), -1);
  EXPECT_EQ(lim.admit(62 * second), 2);  // a new window: the count, once
  EXPECT_EQ(lim.suppressed(), 0u);
  EXPECT_EQ(lim.admit(63 * second), -1);
}

TEST(log_limiter, from_many_threads_admits_no_more_than_its_budget) {
  log_limiter lim{10};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i)
        if (lim.admit(5 * second) >= 0)
          admitted.fetch_add(1);
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(admitted.load(), 10);
  EXPECT_EQ(lim.suppressed(), 40'000u - 10u);
}

TEST(logging, levels_are_named_as_the_flag_says) {
  EXPECT_TRUE(configure_logging("warn"));
  EXPECT_EQ(component("test").level(), spdlog::level::warn);
  EXPECT_TRUE(configure_logging("off"));
  EXPECT_FALSE(configure_logging("loud"));
  EXPECT_TRUE(configure_logging("info"));
  EXPECT_EQ(component("test").level(), spdlog::level::info);
}

} // namespace
} // namespace fraud::log

namespace fraud::log {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  json_escape(s, out);
  return out;
}

TEST(json_escape, escapes_what_json_needs_and_replaces_what_is_not_utf8) {
  EXPECT_EQ(escaped("plain text"), "plain text");
  EXPECT_EQ(escaped("say \"hi\" \\ now"), "say \\\"hi\\\" \\\\ now");
  EXPECT_EQ(escaped("a\nb\tc"), "a\\nb\\tc");
  EXPECT_EQ(escaped(std::string_view{"\0\x01\x7f", 3}), "\\u0000\\u0001\\u007f");
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb3"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb3");  // UTF-8 stays
  EXPECT_EQ(escaped("\xff"), "\\ufffd");
  EXPECT_EQ(escaped("a\xc3"), "a\\ufffd");          // cut short
  EXPECT_EQ(escaped("\xc0\xaf"), "\\ufffd\\ufffd");  // overlong
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
}

} // namespace
} // namespace fraud::log
