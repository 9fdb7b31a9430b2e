// card_filter: a card added is always "maybe" (a card with a snapshot must
// never start afresh); a card not added is mostly "no", so that new cards
// start without a lookup; adds from several threads are never lost.
#include "actors/runtime/card_filter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

using fraud::actors::card_filter;

std::string card(int n) { return "card-" + std::to_string(n); }

TEST(card_filter, sizes_round_up_to_a_power_of_two_words) {
  EXPECT_EQ(card_filter{0}.bytes(), 8u);
  EXPECT_EQ(card_filter{1}.bytes(), 8u);
  EXPECT_EQ(card_filter{8}.bytes(), 8u);
  EXPECT_EQ(card_filter{9}.bytes(), 16u);
  EXPECT_EQ(card_filter{1000}.bytes(), 1024u);
  EXPECT_EQ(card_filter{std::size_t{1} << 20}.bytes(), std::size_t{1} << 20);
}

TEST(card_filter, an_empty_filter_knows_no_card) {
  card_filter f{1 << 12};
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(f.maybe_contains(card(i))) << card(i);
  EXPECT_FALSE(f.maybe_contains(""));
}

TEST(card_filter, every_card_added_is_maybe_there) {
  card_filter f{1 << 16};
  for (int i = 0; i < 20'000; ++i)
    f.add(card(i));
  f.add("");
  for (int i = 0; i < 20'000; ++i)
    ASSERT_TRUE(f.maybe_contains(card(i))) << card(i);
  EXPECT_TRUE(f.maybe_contains(""));
}

// Even the smallest filter, full to saturation, never says "no" wrongly.
TEST(card_filter, a_tiny_filter_answers_maybe_but_never_a_wrong_no) {
  card_filter f{1};
  for (int i = 0; i < 1000; ++i)
    f.add(card(i));
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(f.maybe_contains(card(i)));
}

// 10,000 cards in 64 KiB (52 bits a card): the "maybe"s for cards never
// added stay rare, or every new card would pay a snapshot lookup.
TEST(card_filter, cards_never_added_are_rarely_maybe) {
  card_filter f{1 << 16};
  for (int i = 0; i < 10'000; ++i)
    f.add(card(i));
  int false_maybes = 0;
  for (int i = 10'000; i < 110'000; ++i)
    false_maybes += f.maybe_contains(card(i)) ? 1 : 0;
  EXPECT_LT(false_maybes, 100) << "of 100,000 (0.1 %)";
}

TEST(card_filter, ids_differing_in_one_byte_are_told_apart) {
  card_filter f{1 << 12};
  f.add("card-000001");
  EXPECT_TRUE(f.maybe_contains("card-000001"));
  EXPECT_FALSE(f.maybe_contains("card-000002"));
  EXPECT_FALSE(f.maybe_contains("card-00000"));
  EXPECT_FALSE(f.maybe_contains(std::string{"card-000001\0", 12}));
}

// Four threads add into the same few words at once: a bit set by one is
// never lost to another's write.
TEST(card_filter, concurrent_adds_are_all_kept) {
  constexpr int threads = 4, per_thread = 2'000;
  card_filter f{1 << 12};  // 32,768 bits for 32,000 bits set: crowded
  std::atomic<bool> go{false};
  std::vector<std::thread> adders;
  for (int t = 0; t < threads; ++t)
    adders.emplace_back([&, t] {
      while (!go.load())
        std::this_thread::yield();
      for (int i = 0; i < per_thread; ++i)
        f.add(card(t * per_thread + i));
    });
  go.store(true);
  for (auto& a : adders)
    a.join();
  for (int i = 0; i < threads * per_thread; ++i)
    ASSERT_TRUE(f.maybe_contains(card(i))) << card(i);
}

// A reader on another thread, looking while cards are added, eventually
// sees every one of them and never loses one it saw.
TEST(card_filter, a_reader_sees_cards_added_on_another_thread) {
  constexpr int cards = 5'000;
  card_filter f{1 << 16};
  std::atomic<int> added{0};
  std::thread writer{[&] {
    for (int i = 0; i < cards; ++i) {
      f.add(card(i));
      added.store(i + 1, std::memory_order_release);
    }
  }};
  int checked = 0;
  while (checked < cards) {
    int upto = added.load(std::memory_order_acquire);
    for (; checked < upto; ++checked)
      ASSERT_TRUE(f.maybe_contains(card(checked))) << card(checked);
  }
  writer.join();
}

} // namespace
