#include "models/sliding_window.hpp"

#include <cstdint>
#include <iterator>
#include <limits>

#include <gtest/gtest.h>

namespace fraud::models {
namespace {

// Four buckets of 10 ms: the window ending at t holds the bucket of t and
// the three before it, so between 30 and 40 ms of history.
using window = sliding_window<4, 10>;

constexpr std::uint64_t max_slot_sum = std::numeric_limits<std::uint32_t>::max();

std::uint32_t count_at(const window& w, std::int64_t t) {
  return w.at(t).count;
}

TEST(sliding_window, empty_window_has_no_events) {
  window w;
  EXPECT_EQ(w.at(0).count, 0u);
  EXPECT_EQ(w.at(0).sum_minor, 0u);
  EXPECT_EQ(w.at(-12345).count, 0u);
  EXPECT_EQ(w.at(1'700'000'000'000).count, 0u);
}

TEST(sliding_window, counts_and_sums_events_in_the_window) {
  window w;
  w.add(100, 5);
  w.add(105, 7);
  w.add(117, 11);
  w.add(131, 13);
  auto totals = w.at(131);
  EXPECT_EQ(totals.count, 4u);
  EXPECT_EQ(totals.sum_minor, 36u);
}

TEST(sliding_window, an_event_leaves_when_its_bucket_is_four_buckets_old) {
  window w;
  w.add(100, 1);  // bucket [100, 110)
  EXPECT_EQ(count_at(w, 100), 1u);
  EXPECT_EQ(count_at(w, 139), 1u);  // last moment of bucket 130: still in
  EXPECT_EQ(count_at(w, 140), 0u);  // bucket 140 starts: it is gone
}

TEST(sliding_window, events_of_one_bucket_leave_together) {
  window w;
  w.add(100, 1);
  w.add(109, 1);
  EXPECT_EQ(count_at(w, 139), 2u);
  EXPECT_EQ(count_at(w, 140), 0u);
}

TEST(sliding_window, slides_one_bucket_at_a_time) {
  window w;
  for (std::int64_t t = 100; t < 160; t += 10)
    w.add(t, 1);  // one event in each bucket 100..150
  EXPECT_EQ(count_at(w, 150), 4u);  // 120, 130, 140, 150
  EXPECT_EQ(count_at(w, 160), 3u);
  EXPECT_EQ(count_at(w, 170), 2u);
  EXPECT_EQ(count_at(w, 180), 1u);
  EXPECT_EQ(count_at(w, 190), 0u);
}

TEST(sliding_window, does_not_count_events_after_the_query_time) {
  window w;
  w.add(100, 1);
  w.add(125, 1);
  EXPECT_EQ(count_at(w, 110), 1u);
  EXPECT_EQ(count_at(w, 125), 2u);
  EXPECT_EQ(count_at(w, 50), 0u);
}

TEST(sliding_window, a_late_event_inside_the_window_is_counted) {
  window w;
  w.add(135, 1);
  w.add(112, 2);  // late, but inside the window that ends at 135
  auto totals = w.at(135);
  EXPECT_EQ(totals.count, 2u);
  EXPECT_EQ(totals.sum_minor, 3u);
  EXPECT_EQ(count_at(w, 119), 1u);  // where it belongs in event time
}

TEST(sliding_window, an_event_older_than_the_window_is_dropped) {
  window w;
  w.add(200, 1);
  w.add(160, 1);  // bucket 160 is four buckets before 200: outside
  w.add(170, 1);  // bucket 170: the oldest one the window holds
  EXPECT_EQ(count_at(w, 200), 2u);
  EXPECT_EQ(count_at(w, 179), 1u);
  EXPECT_EQ(count_at(w, 169), 0u);
}

TEST(sliding_window, advancing_clears_only_the_buckets_that_left) {
  window w;
  w.add(100, 1);
  w.add(110, 1);
  w.add(120, 1);
  w.add(130, 1);
  w.add(150, 1);  // buckets 100 and 110 leave, 140 was empty
  EXPECT_EQ(count_at(w, 150), 3u);  // 120, 130, 150
}

TEST(sliding_window, a_gap_longer_than_the_window_clears_everything) {
  window w;
  w.add(100, 1);
  w.add(115, 1);
  w.add(1'000'000, 4);
  auto totals = w.at(1'000'000);
  EXPECT_EQ(totals.count, 1u);
  EXPECT_EQ(totals.sum_minor, 4u);
  EXPECT_EQ(count_at(w, 115), 0u);  // forgotten, not just out of view
}

TEST(sliding_window, a_query_far_past_the_newest_event_sees_nothing) {
  window w;
  w.add(100, 1);
  EXPECT_EQ(count_at(w, 1'000'000), 0u);
}

TEST(sliding_window, a_bucket_sum_saturates_instead_of_wrapping) {
  window w;
  w.add(100, 3'000'000'000);
  w.add(101, 3'000'000'000);
  auto totals = w.at(101);
  EXPECT_EQ(totals.count, 2u);
  EXPECT_EQ(totals.sum_minor, max_slot_sum);
  w.add(102, 1);
  EXPECT_EQ(w.at(102).sum_minor, max_slot_sum);
}

TEST(sliding_window, the_total_of_saturated_buckets_is_not_capped) {
  window w;
  w.add(100, 3'000'000'000);
  w.add(110, 3'000'000'000);
  EXPECT_EQ(w.at(110).sum_minor, 6'000'000'000u);
}

TEST(sliding_window, a_negative_amount_counts_but_adds_nothing) {
  window w;
  w.add(100, 5);
  w.add(101, -50);
  auto totals = w.at(101);
  EXPECT_EQ(totals.count, 2u);
  EXPECT_EQ(totals.sum_minor, 5u);
}

TEST(sliding_window, negative_times_fall_in_floor_buckets) {
  window w;
  w.add(-1, 1);  // bucket [-10, 0)
  w.add(-10, 1);
  w.add(0, 1);   // bucket [0, 10)
  EXPECT_EQ(count_at(w, -1), 2u);
  EXPECT_EQ(count_at(w, 0), 3u);
  EXPECT_EQ(count_at(w, 29), 3u);
  EXPECT_EQ(count_at(w, 30), 1u);  // bucket [-10, 0) is four buckets old
  EXPECT_EQ(count_at(w, 40), 0u);
}

TEST(sliding_window, windows_slide_across_zero) {
  window w;
  w.add(-35, 1);  // bucket [-40, -30)
  w.add(-11, 1);  // bucket [-20, -10)
  EXPECT_EQ(count_at(w, -36), 1u);  // -11 is after the query time
  EXPECT_EQ(count_at(w, -1), 2u);   // buckets [-40, 0)
  EXPECT_EQ(count_at(w, 0), 1u);    // buckets [-30, 10): -35 has left
  EXPECT_EQ(count_at(w, 19), 1u);
  EXPECT_EQ(count_at(w, 20), 0u);
}

TEST(sliding_window, same_events_give_same_totals_in_any_arrival_order) {
  window a;
  window b;
  const std::int64_t times[] = {100, 103, 111, 125, 131, 139};
  for (auto t : times)
    a.add(t, t);
  for (auto i = std::size(times); i-- > 0;)
    b.add(times[i], times[i]);
  for (std::int64_t t = 100; t < 180; ++t) {
    EXPECT_EQ(a.at(t).count, b.at(t).count) << "at " << t;
    EXPECT_EQ(a.at(t).sum_minor, b.at(t).sum_minor) << "at " << t;
  }
}

} // namespace
} // namespace fraud::models
