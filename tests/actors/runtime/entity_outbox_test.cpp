// entity_outbox: what card actors push comes out as observations, in push
// order, in batches of at most the size asked; a full outbox refuses.
#include "actors/runtime/entity_outbox.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using fraud::actors::entity_outbox;
using fraud::models::entity_use;

TEST(entity_outbox, observations_come_out_as_pushed) {
  entity_outbox box{8};
  std::string device(128, 'd');
  ASSERT_TRUE(box.push(entity_use{42, 1'700'000'000'000, true}, false,
                       {device, "198.51.100.23", "mer_shop"}));
  ASSERT_TRUE(box.push(entity_use{0xfffffffe, 5, false}, true,
                       {"", "2001:db8::1", ""}));
  EXPECT_EQ(box.size(), 2u);
  std::vector<fraud::models::entity_observation> out;
  ASSERT_EQ(box.drain(out, 1), 1u);
  ASSERT_EQ(box.drain(out, 10), 1u);
  EXPECT_EQ(box.drain(out, 10), 0u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].use.card, 42u);
  EXPECT_EQ(out[0].use.time_ms, 1'700'000'000'000);
  EXPECT_TRUE(out[0].use.small_cnp);
  EXPECT_FALSE(out[0].declined);
  EXPECT_EQ(out[0].ids[0], device);
  EXPECT_EQ(out[0].ids[1], "198.51.100.23");
  EXPECT_EQ(out[0].ids[2], "mer_shop");
  EXPECT_EQ(out[1].use.card, 0xfffffffeu);
  EXPECT_EQ(out[1].use.time_ms, 5);
  EXPECT_FALSE(out[1].use.small_cnp);
  EXPECT_TRUE(out[1].declined);
  EXPECT_EQ(out[1].ids[0], "");
  EXPECT_EQ(out[1].ids[1], "2001:db8::1");
  EXPECT_EQ(out[1].ids[2], "");
}

TEST(entity_outbox, a_full_outbox_refuses_until_drained) {
  entity_outbox box{2};
  EXPECT_TRUE(box.push(entity_use{1, 1, false}, false, {"a", "", ""}));
  EXPECT_TRUE(box.push(entity_use{2, 2, false}, false, {"b", "", ""}));
  EXPECT_FALSE(box.push(entity_use{3, 3, false}, false, {"c", "", ""}));
  std::vector<fraud::models::entity_observation> out;
  EXPECT_EQ(box.drain(out, 10), 2u);
  EXPECT_TRUE(box.push(entity_use{4, 4, false}, false, {"d", "", ""}));
  // An id longer than any valid one is never queued.
  EXPECT_FALSE(box.push(entity_use{5, 5, false}, false,
                        {std::string(300, 'x'), "", ""}));
}

} // namespace
