// Card snapshots: what a passivated or restarted card comes back from.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "models/card_snapshot.hpp"
#include "models/scoring.hpp"
#include "tests/models/same_features.hpp"

namespace {

using namespace fraud::models;
using fraud::test::expect_same_features;

constexpr std::int64_t t0 = 1'700'000'000'000;

// A card with a busy, varied history: devices, countries, locations,
// amounts, and windows with many non-empty buckets.
struct history {
  card_state card;
  recent_ids recent;
};

transaction random_tx(std::mt19937_64& rng, int i, std::int64_t at) {
  transaction tx;
  tx.tx_id = "tx-" + std::to_string(i);
  tx.card_id = "card-1";
  tx.amount_minor = 100 + static_cast<std::int64_t>(rng() % 50'000);
  tx.currency = "USD";
  tx.merchant_id = "m-" + std::to_string(rng() % 20);
  tx.mcc = 5411;
  static const char* countries[] = {"US", "GB", "FR", "DE", "JP",
                                    "BR", "IN", "CA", "AU", "MX"};
  tx.country = countries[rng() % 10];
  tx.has_location = rng() % 4 != 0;
  tx.lat = -60.0 + static_cast<double>(rng() % 12000) / 100.0;
  tx.lon = -170.0 + static_cast<double>(rng() % 34000) / 100.0;
  tx.channel = static_cast<channel>(1 + rng() % 3);
  if (tx.channel == channel::ecom)
    tx.device_id = "dev-" + std::to_string(rng() % 12);
  tx.event_time_ms = at;
  return tx;
}

history build(std::uint64_t seed, int n) {
  std::mt19937_64 rng{seed};
  history h;
  auto rules = make_default_ruleset();
  evaluation scratch;
  auto at = t0;
  for (int i = 0; i < n; ++i) {
    at += static_cast<std::int64_t>(rng() % 900'000);
    auto tx = random_tx(rng, i, at);
    score_and_apply(h.card, tx, *rules, scratch);
    h.recent.add(tx.tx_id);
  }
  return h;
}

TEST(card_snapshot, round_trip_is_exact_for_every_field) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto h = build(seed, static_cast<int>(5 + seed * 3));
    std::string bytes;
    save_snapshot(h.card, h.recent, bytes);
    card_state card;
    recent_ids recent;
    ASSERT_FALSE(load_snapshot(bytes, card, recent)) << "seed " << seed;
    // the same bytes again: nothing lost or rounded
    std::string again;
    save_snapshot(card, recent, again);
    EXPECT_EQ(bytes, again) << "seed " << seed;
    // and the same behaviour: the next transactions see the same history
    std::mt19937_64 rng{seed * 7919};
    auto at = h.card.last_event_ms();
    for (int i = 0; i < 20; ++i) {
      at += static_cast<std::int64_t>(rng() % 120'000);
      auto tx = random_tx(rng, 1000 + i, at);
      expect_same_features(h.card.features_for(tx), card.features_for(tx));
      h.card.apply(tx);
      card.apply(tx);
    }
    EXPECT_EQ(h.recent.maybe_contains("tx-3"), recent.maybe_contains("tx-3"));
  }
}

TEST(card_snapshot, a_new_card_round_trips_too) {
  card_state card;
  recent_ids recent;
  std::string bytes;
  save_snapshot(card, recent, bytes);
  card_state back;
  recent_ids back_ids;
  ASSERT_FALSE(load_snapshot(bytes, back, back_ids));
  EXPECT_EQ(back.tx_count(), 0u);
  EXPECT_FALSE(back.has_location());
}

TEST(card_snapshot, a_typical_card_fits_in_256_bytes) {
  // A month of an ordinary card: a couple of purchases a day, one phone.
  std::mt19937_64 rng{42};
  card_state card;
  recent_ids recent;
  auto rules = make_default_ruleset();
  evaluation scratch;
  auto at = t0;
  for (int i = 0; i < 60; ++i) {
    at += 8 * 3'600'000 + static_cast<std::int64_t>(rng() % 14'400'000);
    transaction tx;
    tx.tx_id = "tx-" + std::to_string(i);
    tx.card_id = "card-1";
    tx.amount_minor = 500 + static_cast<std::int64_t>(rng() % 8'000);
    tx.currency = "EUR";
    tx.merchant_id = "m";
    tx.country = "FR";
    tx.has_location = true;
    tx.lat = 48.85;
    tx.lon = 2.35;
    tx.channel = i % 3 == 0 ? channel::ecom : channel::pos;
    tx.device_id = tx.channel == channel::ecom ? "phone-1" : "";
    tx.event_time_ms = at;
    score_and_apply(card, tx, *rules, scratch);
    recent.add(tx.tx_id);
  }
  std::string bytes;
  save_snapshot(card, recent, bytes);
  EXPECT_LE(bytes.size(), 256u);
}

TEST(card_snapshot, refuses_an_unknown_format_version) {
  auto h = build(3, 10);
  std::string bytes;
  save_snapshot(h.card, h.recent, bytes);
  // A well-formed snapshot of a future format: a new version byte, its
  // checksum recomputed.
  bytes.resize(bytes.size() - 4);
  bytes[2] = static_cast<char>(snapshot_format_version + 1);
  std::uint32_t sum = 2166136261u;
  for (unsigned char c : bytes) {
    sum ^= c;
    sum *= 16777619u;
  }
  bytes.append(reinterpret_cast<const char*>(&sum), 4);
  card_state card;
  recent_ids recent;
  auto err = load_snapshot(bytes, card, recent);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), fraud::ec::malformed);
  EXPECT_NE(err.what().find("version"), std::string::npos) << err.what();
}

TEST(card_snapshot, corrupted_bytes_are_reported_and_change_nothing) {
  auto h = build(5, 30);
  std::string bytes;
  save_snapshot(h.card, h.recent, bytes);
  auto original = build(9, 3);
  std::string before;
  save_snapshot(original.card, original.recent, before);
  std::mt19937_64 rng{11};
  int reported = 0;
  for (int i = 0; i < 2000; ++i) {
    auto bad = bytes;
    switch (i % 3) {
      case 0:
        bad.resize(rng() % bytes.size());
        break;
      case 1:
        bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        break;
      case 2:
        bad += static_cast<char>(rng());
        break;
    }
    auto card = original.card;
    auto recent = original.recent;
    if (auto err = load_snapshot(bad, card, recent)) {
      ++reported;
      std::string after;
      save_snapshot(card, recent, after);
      EXPECT_EQ(after, before) << "a failed load must not touch the card";
    }
  }
  EXPECT_EQ(reported, 2000) << "every damage is noticed (checksum)";
  card_state card;
  recent_ids recent;
  EXPECT_TRUE(load_snapshot("", card, recent));
  EXPECT_TRUE(load_snapshot("garbage", card, recent));
}

// The snapshot with the card's first decisions of its latest
// transactions (format version 2), as a card actor saves it.
struct kept {
  history h;
  recent_decisions decisions;
};

kept with_decisions(std::uint64_t seed, int n, std::size_t keep) {
  kept k{build(seed, n), {}};
  for (int i = 0; i < n; ++i) {
    auto id = "tx-" + std::to_string(i);
    k.decisions.add(id, id + ":approve:" + std::string(200 + i, 'r'), keep);
  }
  return k;
}

std::string with_checksum(std::string body) {
  std::uint32_t sum = 2166136261u;
  for (unsigned char c : body) {
    sum ^= c;
    sum *= 16777619u;
  }
  body.append(reinterpret_cast<const char*>(&sum), 4);
  return body;
}

TEST(card_snapshot, keeps_the_latest_decisions_exactly) {
  for (std::size_t keep : {0, 1, 2, 8}) {
    auto k = with_decisions(7, 12, keep);
    std::string bytes;
    save_snapshot(k.h.card, k.h.recent, k.decisions, bytes);
    card_state card;
    recent_ids recent;
    recent_decisions decisions;
    decisions.add("stale", "left from before", 2);
    ASSERT_FALSE(load_snapshot(bytes, card, recent, decisions)) << keep;
    EXPECT_EQ(decisions.size(), keep);
    EXPECT_FALSE(decisions.find("stale")) << "replaced, not merged";
    for (int i = 0; i < 12; ++i) {
      auto id = "tx-" + std::to_string(i);
      EXPECT_EQ(decisions.find(id), k.decisions.find(id)) << keep << " " << id;
    }
    std::string again;
    save_snapshot(card, recent, decisions, again);
    EXPECT_EQ(bytes, again) << keep;
  }
}

TEST(card_snapshot, awkward_decisions_round_trip) {
  card_state card;
  recent_ids recent;
  recent_decisions decisions;
  decisions.add("", "", 8);
  decisions.add(std::string(1, '\0'), std::string("\x80\xff\0x", 4), 8);
  decisions.add(std::string(300, 'i'), std::string(70'000, 'd'), 8);
  std::string bytes;
  save_snapshot(card, recent, decisions, bytes);
  recent_decisions back;
  ASSERT_FALSE(load_snapshot(bytes, card, recent, back));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back.find(""), std::optional<std::string_view>{""});
  EXPECT_EQ(back.find(std::string(1, '\0')),
            std::optional<std::string_view>(std::string_view("\x80\xff\0x", 4)));
  EXPECT_EQ(back.find(std::string(300, 'i'))->size(), 70'000u);
}

// Written by the version 1 writer (before decisions were kept) from
// build(3, 10): an upgraded fraudd must read what the old one left.
constexpr const char* version_1_golden =
  "4653010102c6c3e583fa62295c8fc2f5a84dc0b81e85eb51984d409690ecfef962b81e85"
  "eb513c75405a317411ec331740d046b189b08daf3f000002004d58010155530100f88290"
  "a201010401a52200faddb305070001a5510101fd520301b984020401cf630501d4f30108"
  "01f25d0901a52200bed239021603fa970617079580070102f427036587290366821e035f"
  "1520036010150359a316035a3618035bc919035c8e88303f";

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(
      std::stoi(std::string{hex.substr(i, 2)}, nullptr, 16)));
  return out;
}

// Written by the version 2 writer (before home currencies) from
// build(3, 10).
constexpr const char* version_2_golden =
  "4653020102c6c3e583fa62295c8fc2f5a84dc0b81e85eb51984d409690ecfef962b81e85"
  "eb513c75405a317411ec331740d046b189b08daf3f000002004d58010155530100f88290"
  "a201010401a52200faddb305070001a5510101fd520301b984020401cf630501d4f30108"
  "01f25d0901a52200bed239021603fa970617079580070102f427036587290366821e035f"
  "1520036010150359a316035a3618035bc919035c00db7e6bec";

// Written by the version 3 writer (before the week of large purchases of
// goods) from build(3, 10).
constexpr const char* version_3_golden =
  "4653030102c6c3e583fa62295c8fc2f5a84dc0b81e85eb51984d409690ecfef962b81e85"
  "eb513c75405a317411ec331740d046b189b08daf3f000002004d58010155530100f88290"
  "a201010401a52200faddb305070001a5510101fd520301b984020401cf630501d4f30108"
  "01f25d0901a52200bed239021603fa97061707958007015553449690ecfef9620102f427"
  "036587290366821e035f1520036010150359a316035a3618035bc919035c006aa9660e";

// A card from before version 3 comes back with its whole history, but
// with no home currency (its next transaction gives it) and its history
// counted from its last event (so its usual daily spend is high, never
// low: nothing looks like a spree because of an upgrade).
void expect_old_card_restored(const card_state& card, const history& h) {
  auto got = card.summary();
  auto want = h.card.summary();
  EXPECT_EQ(got.tx_count, want.tx_count);
  EXPECT_EQ(got.last_event_ms, want.last_event_ms);
  EXPECT_EQ(got.has_location, want.has_location);
  EXPECT_EQ(got.last_lat, want.last_lat);
  EXPECT_EQ(got.last_located_ms, want.last_located_ms);
  EXPECT_EQ(got.avg_amount, want.avg_amount);
  EXPECT_EQ(got.amount_stddev, want.amount_stddev);
  EXPECT_EQ(got.device_count, want.device_count);
  EXPECT_EQ(got.home_country, want.home_country);
  EXPECT_EQ(got.count_1h, want.count_1h);
  EXPECT_EQ(got.count_24h, want.count_24h);
  EXPECT_EQ(got.home_currency, "");
  EXPECT_EQ(want.home_currency, "USD");
  EXPECT_GE(got.usual_daily_spend, want.usual_daily_spend);
  // the next transaction sees the same windows and profile
  std::mt19937_64 rng{99};
  auto tx = random_tx(rng, 500, h.card.last_event_ms() + 60'000);
  auto a = card.features_for(tx);
  auto b = h.card.features_for(tx);
  EXPECT_EQ(a.sum_24h, b.sum_24h);
  EXPECT_EQ(a.amount_z, b.amount_z);
  EXPECT_EQ(a.known_devices, b.known_devices);
  card_state next = card;
  next.apply(tx);
  EXPECT_EQ(next.home_currency(), "USD");
}

TEST(card_snapshot, versions_1_and_2_still_load) {
  int version = 0;
  for (auto* golden : {version_1_golden, version_2_golden}) {
    ++version;
    auto bytes = unhex(golden);
    ASSERT_EQ(bytes[2], version);
    card_state card;
    recent_ids recent;
    recent_decisions decisions;
    decisions.add("tx-x", "from before", 2);
    ASSERT_FALSE(load_snapshot(bytes, card, recent, decisions)) << version;
    EXPECT_EQ(decisions.size(), 0u) << "version " << version
                                    << " saved none of this card's";
    expect_old_card_restored(card, build(3, 10));
    EXPECT_TRUE(recent.maybe_contains("tx-9"));
  }
}

TEST(card_snapshot, version_3_still_loads_with_an_empty_week_of_goods) {
  auto bytes = unhex(version_3_golden);
  ASSERT_EQ(bytes[2], 3);
  card_state card;
  recent_ids recent;
  recent_decisions decisions;
  ASSERT_FALSE(load_snapshot(bytes, card, recent, decisions));
  // everything version 3 kept comes back as it was
  auto h = build(3, 10);
  std::string want;
  std::string got;
  save_snapshot(h.card, h.recent, want);
  save_snapshot(card, recent, got);
  EXPECT_EQ(got, want) << "build(3, 10) has no large purchases of goods";
  EXPECT_EQ(card.home_currency(), "USD");
  EXPECT_TRUE(recent.maybe_contains("tx-9"));
  std::mt19937_64 rng{99};
  auto tx = random_tx(rng, 500, h.card.last_event_ms() + 60'000);
  tx.mcc = 5732;
  expect_same_features(card.features_for(tx), h.card.features_for(tx));
  EXPECT_EQ(card.features_for(tx).goods_high_count_7d,
            card.features_for(tx).goods_high ? 1u : 0u);
}

/// A card that paid 20 euros in a shop five times, `gap_ms` apart, and
/// that payment, for a test to go on from.
struct euro_card {
  card_state card;
  transaction tx;
};

euro_card euro_payments(std::uint64_t seed, std::int64_t gap_ms) {
  euro_card out;
  std::mt19937_64 rng{seed};
  out.tx = random_tx(rng, 1, t0);
  out.tx.currency = "EUR";
  out.tx.amount_minor = 2'000;
  out.tx.channel = channel::pos;
  out.tx.mcc = 5411;
  for (int i = 0; i < 5; ++i) {
    out.tx.event_time_ms = t0 + i * gap_ms;
    out.card.apply(out.tx);
  }
  return out;
}

/// The card as a snapshot of the current format gives it back.
card_state reloaded(const card_state& card) {
  recent_ids recent;
  std::string bytes;
  save_snapshot(card, recent, bytes);
  EXPECT_EQ(bytes[2], snapshot_format_version);
  card_state back;
  EXPECT_FALSE(load_snapshot(bytes, back, recent));
  return back;
}

TEST(card_snapshot, keeps_the_week_of_large_purchases_of_goods) {
  auto [card, tx] = euro_payments(6, 86'400'000);
  tx.mcc = 5732;
  tx.amount_minor = 30'000;  // 15x the typical amount, electronics
  tx.event_time_ms += 86'400'000;
  card.apply(tx);
  tx.mcc = 5944;
  tx.event_time_ms += 2 * 86'400'000;
  card.apply_unapproved(tx);
  auto back = reloaded(card);
  tx.event_time_ms += 86'400'000;
  expect_same_features(back.features_for(tx), card.features_for(tx));
  EXPECT_EQ(back.features_for(tx).goods_high_count_7d, 3u);
}

TEST(card_snapshot, keeps_the_home_currency_and_the_spree_window) {
  auto [card, tx] = euro_payments(5, 3'600'000);
  tx.amount_minor = 20'000;  // 10x the average, card present: high
  tx.event_time_ms += 600'000;
  card.apply_unapproved(tx);
  auto back = reloaded(card);
  EXPECT_EQ(back.home_currency(), "EUR");
  EXPECT_EQ(back.usual_daily_spend(), card.usual_daily_spend());
  tx.event_time_ms += 60'000;
  expect_same_features(back.features_for(tx), card.features_for(tx));
  EXPECT_EQ(back.features_for(tx).cp_high_count_1h, 2u);
}

TEST(card_snapshot, a_bad_decision_section_is_refused_and_changes_nothing) {
  auto k = with_decisions(4, 6, 2);
  std::string good;
  save_snapshot(k.h.card, k.h.recent, k.decisions, good);
  auto body = good.substr(0, good.size() - 4);
  // Where the decisions start: a snapshot without them ends with their
  // count (0) just before the checksum.
  std::string none;
  save_snapshot(k.h.card, k.h.recent, none);
  auto at = none.size() - 5;
  ASSERT_EQ(body[at], 2);
  std::vector<std::string> bad;
  auto too_many = body;
  too_many[at] = static_cast<char>(recent_decisions::max_capacity + 1);
  bad.push_back(with_checksum(too_many));
  auto more_than_there = body;
  more_than_there[at] = 3;
  bad.push_back(with_checksum(more_than_there));
  auto long_id = body;
  long_id[at + 1] = static_cast<char>(0x7f);  // the first id's length
  bad.push_back(with_checksum(long_id));
  bad.push_back(with_checksum(body + "x"));
  bad.push_back(with_checksum(body.substr(0, body.size() - 1)));
  for (auto& b : bad) {
    auto card = k.h.card;
    auto recent = k.h.recent;
    recent_decisions decisions;
    decisions.add("kept", "as it was", 2);
    auto err = load_snapshot(b, card, recent, decisions);
    ASSERT_TRUE(err);
    EXPECT_EQ(err.code(), fraud::ec::malformed);
    EXPECT_EQ(decisions.size(), 1u);
    EXPECT_TRUE(decisions.find("kept"));
  }
}

} // namespace
