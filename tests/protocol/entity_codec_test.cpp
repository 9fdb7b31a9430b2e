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

} // namespace
