#include <gtest/gtest.h>

#include "protocol/merged_cursor.hpp"
#include "protocol/query_codec.hpp"

namespace fraud::protocol {
namespace {

TEST(merged_cursor, round_trips_every_instance_name) {
  merged_cursor c;
  c.watermark_ms = 1'700'000'000'123;
  c.positions = {{"fraudd-a", "42"},
                 {"host 1,pid=7%", merged_cursor::exhausted},
                 {"", "1"}};
  auto text = to_string(c);
  EXPECT_TRUE(is_merged_cursor(text));
  merged_cursor back;
  ASSERT_FALSE(parse_merged_cursor(text, back)) << text;
  EXPECT_EQ(back.watermark_ms, c.watermark_ms);
  EXPECT_EQ(back.positions, c.positions);
}

TEST(merged_cursor, refuses_what_no_reply_gave) {
  for (std::string bad : {"m", "mx", "m12,a", "m12,a=", "m12,a=x",
                          "m12,%zz=1", "m12,a%4=1", "m12,a b=1", "12"}) {
    merged_cursor c;
    auto err = parse_merged_cursor(bad, c);
    EXPECT_EQ(err.code(), ec::bad_request) << bad;
    EXPECT_EQ(err.field(), "cursor") << bad;
  }
  std::string many = "m1";
  for (std::size_t i = 0; i <= max_merged_cursor_positions; ++i)
    many += ",i" + std::to_string(i) + "=1";
  merged_cursor c;
  EXPECT_TRUE(parse_merged_cursor(many, c));
}

TEST(merged_cursor, each_instance_reads_its_own_position) {
  merged_cursor c;
  c.watermark_ms = 5000;
  c.positions = {{"a", "17"}, {"b", merged_cursor::exhausted}};
  auto a = position_of(c, "a");
  EXPECT_FALSE(a.done);
  EXPECT_EQ(a.cursor, 17);
  EXPECT_EQ(a.until_ms, 0);
  EXPECT_TRUE(position_of(c, "b").done);
  // Not named: from its newest, but nothing newer than what was shown.
  auto other = position_of(c, "c");
  EXPECT_FALSE(other.done);
  EXPECT_EQ(other.cursor, 0);
  EXPECT_EQ(other.until_ms, 5001);
}

TEST(merged_cursor, a_decisions_query_takes_one) {
  decisions_query q;
  q.cursor = "m5000,a=17,b=-";
  std::string bytes;
  encode(q, bytes);
  decisions_query back;
  EXPECT_FALSE(decode(bytes.data(), bytes.size(), back));
  EXPECT_EQ(back.cursor, q.cursor);
  q.cursor = "m5000,a=seventeen";
  encode(q, bytes);
  EXPECT_EQ(decode(bytes.data(), bytes.size(), back).field(), "cursor");
}

TEST(reply_origin, is_read_from_every_query_reply) {
  reply_origin who{"fraudd-b", 3};
  std::vector<std::string> replies(4);
  encode_decision_reply({}, fraud::error{ec::not_found, "no"}, who,
                        replies[0]);
  encode_card_reply("c1", false, {}, {}, {}, who, replies[1]);
  encode_decisions_reply({}, {}, who, replies[2]);
  stats_reply s;
  s.origin = who;
  encode(s, replies[3]);
  for (auto& bytes : replies) {
    reply_origin back;
    ASSERT_FALSE(decode(bytes.data(), bytes.size(), back));
    EXPECT_EQ(back.instance, "fraudd-b");
    EXPECT_EQ(back.instances, 3u);
  }
  decisions_reply d;
  ASSERT_FALSE(decode(replies[2].data(), replies[2].size(), d));
  EXPECT_EQ(d.origin.instance, "fraudd-b");
}

TEST(reply_origin, rows_carry_their_cursors) {
  encoded_page page;
  page.cursors = {"9"};
  page.next_cursor = "8";
  std::string bytes;
  encode_decisions_reply(page, {}, {}, bytes);
  decisions_reply back;
  ASSERT_FALSE(decode(bytes.data(), bytes.size(), back));
  EXPECT_EQ(back.cursors, std::vector<std::string>{"9"});
  EXPECT_EQ(back.next_cursor, "8");
}

} // namespace
} // namespace fraud::protocol
