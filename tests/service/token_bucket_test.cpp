// The bucket that bounds rule compiles, on a clock the test moves.
#include "service/token_bucket.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using fraud::service::token_bucket;

const token_bucket::clock::time_point t0{};

TEST(token_bucket, a_full_bucket_gives_its_burst_at_once_then_refuses) {
  token_bucket b{5, 10, t0};
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(b.try_take(t0)) << i;
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0)) << "a refusal takes nothing, gives nothing";
}

TEST(token_bucket, refills_at_its_rate) {
  token_bucket b{5, 10, t0};
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + 199ms));
  EXPECT_TRUE(b.try_take(t0 + 200ms)) << "one token every 1/5 s";
  EXPECT_FALSE(b.try_take(t0 + 200ms));
  // a second later: five more, no more
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(b.try_take(t0 + 1200ms)) << i;
  EXPECT_FALSE(b.try_take(t0 + 1200ms));
}

TEST(token_bucket, never_holds_more_than_its_burst) {
  token_bucket b{5, 10, t0};
  auto later = t0 + 1h;
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(b.try_take(later)) << i;
  EXPECT_FALSE(b.try_take(later));
}

TEST(token_bucket, a_steady_flood_gets_the_rate_and_no_more) {
  token_bucket b{5, 10, t0};
  int taken = 0;
  // 1,000 requests a second for 10 s
  for (int ms = 0; ms < 10'000; ++ms)
    taken += b.try_take(t0 + std::chrono::milliseconds(ms)) ? 1 : 0;
  EXPECT_EQ(taken, 10 + 5 * 10 - 1);  // the burst, then 5 a second
}

TEST(token_bucket, says_how_long_until_the_next_token) {
  token_bucket b{2, 1, t0};
  EXPECT_EQ(b.wait(t0), token_bucket::clock::duration::zero());
  ASSERT_TRUE(b.try_take(t0));
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
              b.wait(t0 + 100ms)),
            400ms);
}

TEST(token_bucket, a_clock_that_goes_back_adds_nothing) {
  token_bucket b{1, 1, t0 + 10s};
  ASSERT_TRUE(b.try_take(t0 + 10s));
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + 10s + 999ms));
  EXPECT_TRUE(b.try_take(t0 + 11s));
}

} // namespace
