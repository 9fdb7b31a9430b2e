// fraud.cluster.entities.<instance>: a batch of entity observations comes
// back as it was sent; what no valid transaction could have produced is
// left out and counted, and bytes that are not a batch are refused.
#include <gtest/gtest.h>

#include <string>

#include "protocol/entity_codec.hpp"

namespace {

using namespace fraud;

models::entity_observation observed(std::uint32_t card, std::int64_t t,
                                    std::string device, std::string ip,
                                    std::string merchant) {
  models::entity_observation o;
  o.use = {card, t, false};
  o.ids = {std::move(device), std::move(ip), std::move(merchant)};
  return o;
}

// The batch as a receiver decodes it; `refused` the observations left out.
models::entity_observations sent(const models::entity_observations& batch,
                                 std::size_t& refused) {
  std::string bytes;
  protocol::encode(batch, bytes);
  models::entity_observations out;
  refused = 99;
  EXPECT_FALSE(protocol::decode(bytes.data(), bytes.size(), out, refused));
  return out;
}

TEST(entity_codec, a_batch_round_trips) {
  models::entity_observations batch;
  batch.instance = "fraudd-a";
  batch.items.push_back(observed(7, 1'700'000'000'000, "laptop",
                                 "198.51.100.23", "mer_shop"));
  auto second = observed(0xffffffffu, 1'700'000'060'000, "", "2001:db8::1", "");
  second.use.small_cnp = true;
  second.declined = true;
  batch.items.push_back(second);
  std::size_t refused = 0;
  auto out = sent(batch, refused);
  EXPECT_EQ(refused, 0u);
  EXPECT_EQ(out.instance, "fraudd-a");
  ASSERT_EQ(out.items.size(), 2u);
  EXPECT_EQ(out.items[0].use.card, 7u);
  EXPECT_EQ(out.items[0].use.time_ms, 1'700'000'000'000);
  EXPECT_FALSE(out.items[0].use.small_cnp);
  EXPECT_FALSE(out.items[0].declined);
  EXPECT_EQ(out.items[0].ids[0], "laptop");
  EXPECT_EQ(out.items[0].ids[1], "198.51.100.23");
  EXPECT_EQ(out.items[0].ids[2], "mer_shop");
  EXPECT_EQ(out.items[1].use.card, 0xffffffffu);
  EXPECT_TRUE(out.items[1].use.small_cnp);
  EXPECT_TRUE(out.items[1].declined);
  EXPECT_EQ(out.items[1].ids[0], "");
  EXPECT_EQ(out.items[1].ids[1], "2001:db8::1");
}

TEST(entity_codec, observations_no_transaction_could_make_are_left_out) {
  models::entity_observations batch;
  batch.instance = "fraudd-b";
  batch.items.push_back(observed(1, 1'700'000'000'000, "", "", ""));  // none
  batch.items.push_back(observed(2, 0, "laptop", "", ""));  // no time
  batch.items.push_back(
    observed(3, 1'700'000'000'000, std::string(129, 'd'), "", ""));
  batch.items.push_back(
    observed(4, 1'700'000'000'000, "", std::string(46, '1'), ""));
  batch.items.push_back(
    observed(5, 1'700'000'000'000, "", "", std::string(65, 'm')));
  batch.items.push_back(observed(6, 1'700'000'000'000, "lap top", "", ""));
  batch.items.push_back(
    observed(7, 1'700'000'000'000, std::string(128, 'd'), "", "mer_ok"));
  std::size_t refused = 0;
  auto out = sent(batch, refused);
  EXPECT_EQ(refused, 6u);
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].use.card, 7u);
}

TEST(entity_codec, bytes_that_are_not_a_batch_are_refused) {
  models::entity_observations out;
  std::size_t refused = 0;
  const char junk[] = "\xff\xff\xff\xff not protobuf";
  auto err = protocol::decode(junk, sizeof junk - 1, out, refused);
  EXPECT_EQ(err.code(), ec::bad_request) << to_string(err);
  // Cut short in the middle of an observation.
  models::entity_observations batch;
  batch.instance = "fraudd-c";
  batch.items.push_back(observed(1, 1'700'000'000'000, "laptop", "", ""));
  std::string bytes;
  protocol::encode(batch, bytes);
  EXPECT_TRUE(protocol::decode(bytes.data(), bytes.size() - 3, out, refused));
  // Empty bytes are an empty batch from nobody: nothing to fold.
  ASSERT_FALSE(protocol::decode("", 0, out, refused));
  EXPECT_TRUE(out.items.empty());
  EXPECT_EQ(out.instance, "");
}

// Every truncation and every single-byte change of a valid batch: decoded
// or refused, never a crash, and whatever is kept is a valid observation.
TEST(entity_codec, damaged_batches_are_refused_or_kept_valid) {
  models::entity_observations batch;
  batch.instance = "fraudd-d";
  batch.items.push_back(observed(1, 1'700'000'000'000, "laptop",
                                 "198.51.100.23", "mer_shop"));
  batch.items.push_back(observed(2, 1'700'000'001'000, std::string(128, 'd'),
                                 "", ""));
  std::string bytes;
  protocol::encode(batch, bytes);
  auto check = [](const std::string& damaged) {
    models::entity_observations out;
    std::size_t refused = 0;
    if (protocol::decode(damaged.data(), damaged.size(), out, refused))
      return;
    for (auto& o : out.items) {
      EXPECT_GT(o.use.time_ms, 0);
      EXPECT_FALSE(o.ids[0].empty() && o.ids[1].empty() && o.ids[2].empty());
      for (std::size_t k = 0; k < models::entity_kinds; ++k)
        EXPECT_LE(o.ids[k].size(), protocol::max_entity_id_bytes[k]);
    }
  };
  for (std::size_t n = 0; n < bytes.size(); ++n)
    check(bytes.substr(0, n));
  for (std::size_t i = 0; i < bytes.size(); ++i)
    for (int v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      auto damaged = bytes;
      damaged[i] = static_cast<char>(v);
      check(damaged);
    }
}

} // namespace
