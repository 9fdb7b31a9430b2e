// The generated dataset: deterministic, every typology present and
// labelled, legitimate travel physically possible, identifiers giving
// nothing away.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "models/geo.hpp"
#include "protocol/dataset.hpp"
#include "simulator/dataset_generator.hpp"
#include "simulator/group_typologies.hpp"
#include "simulator/typologies.hpp"

namespace {

using namespace fraud;
using protocol::fraud_label;

simulator::generator_options small(std::uint64_t seed) {
  simulator::generator_options o;
  o.cards = 400;
  o.days = 10;
  o.seed = seed;
  o.fraud_rate = 0.1;
  return o;
}

std::string generate(const simulator::generator_options& o,
                     simulator::generation_summary* summary = nullptr) {
  std::ostringstream out;
  simulator::generation_summary s;
  std::string error;
  EXPECT_TRUE(simulator::generate_dataset(o, out, s, error)) << error;
  if (summary != nullptr)
    *summary = s;
  return out.str();
}

std::vector<protocol::labeled_transaction> read_all(const std::string& bytes,
                                                    protocol::dataset_header& h) {
  std::istringstream in{bytes};
  protocol::dataset_reader reader{in};
  EXPECT_TRUE(reader.read_header(h)) << reader.error();
  std::vector<protocol::labeled_transaction> out;
  protocol::labeled_transaction lt;
  while (reader.next(lt))
    out.push_back(lt);
  EXPECT_EQ(reader.error(), "");
  return out;
}

TEST(dataset, same_seed_gives_the_same_bytes) {
  auto a = generate(small(7));
  auto b = generate(small(7));
  ASSERT_GT(a.size(), 100'000u);
  EXPECT_TRUE(a == b) << "two runs with seed 7 differ";
  EXPECT_FALSE(a == generate(small(8)));
}

TEST(dataset, header_and_records_agree_with_the_summary) {
  simulator::generation_summary s;
  auto bytes = generate(small(3), &s);
  protocol::dataset_header h;
  auto txs = read_all(bytes, h);
  EXPECT_EQ(h.format, protocol::dataset_format);
  EXPECT_EQ(h.seed, 3u);
  EXPECT_EQ(h.cards, 400u);
  EXPECT_EQ(h.days, 10u);
  EXPECT_EQ(h.transactions, txs.size());
  EXPECT_EQ(s.transactions, txs.size());
  std::array<std::uint64_t, protocol::fraud_label_count> by_label{};
  std::int64_t previous = 0;
  for (auto& t : txs) {
    ++by_label[static_cast<std::size_t>(t.label)];
    EXPECT_LE(previous, t.tx.event_time_ms) << "not in event-time order";
    previous = t.tx.event_time_ms;
  }
  EXPECT_EQ(by_label, s.by_label);
}

TEST(dataset, every_typology_is_present_and_labelled_per_transaction) {
  protocol::dataset_header h;
  auto txs = read_all(generate(small(11)), h);
  std::map<fraud_label, std::set<std::uint32_t>> attacks;
  std::map<std::uint32_t, std::set<std::string>> cards_of_attack;
  for (auto& t : txs) {
    if (t.label == fraud_label::legitimate) {
      EXPECT_EQ(t.attack_id, 0u);
      continue;
    }
    EXPECT_NE(t.attack_id, 0u);
    attacks[t.label].insert(t.attack_id);
    cards_of_attack[t.attack_id].insert(t.tx.card_id);
  }
  for (auto& mix : simulator::typology_mix())
    EXPECT_GE(attacks[mix.label].size(),
              simulator::is_group_typology(mix.label) ? 1u : 2u)
      << protocol::to_string(mix.label) << " missing";
  std::map<std::uint32_t, fraud_label> label_of;
  for (auto& t : txs)
    label_of[t.attack_id] = t.label;
  for (auto& [id, cards] : cards_of_attack)
    if (simulator::is_group_typology(label_of[id]))
      EXPECT_GE(cards.size(), 6u) << "attack " << id << " on too few cards";
    else
      EXPECT_EQ(cards.size(), 1u) << "attack " << id << " spans cards";
  // the shapes the typologies promise
  std::map<std::uint32_t, std::vector<const protocol::labeled_transaction*>> by_attack;
  for (auto& t : txs)
    if (t.attack_id != 0)
      by_attack[t.attack_id].push_back(&t);
  for (auto& [id, xs] : by_attack) {
    auto label = xs.front()->label;
    if (label == fraud_label::card_testing) {
      ASSERT_GE(xs.size(), 4u);
      for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
        EXPECT_EQ(xs[i]->tx.channel, models::channel::ecom);
        EXPECT_LE(models::major_units(xs[i]->tx), 5.0) << "probes are small";
      }
      EXPECT_GE(models::major_units(xs.back()->tx), 100.0) << "then a large one";
    }
    if (label == fraud_label::stolen_card_spree) {
      EXPECT_GE(xs.size(), 3u);
      for (auto* x : xs)
        EXPECT_NE(x->tx.channel, models::channel::ecom) << "card present";
    }
    if (label == fraud_label::account_takeover)
      for (auto* x : xs)
        EXPECT_EQ(x->tx.channel, models::channel::ecom);
    if (label == fraud_label::fraud_ring) {
      // a few devices and addresses shared by many cards, in minutes
      std::set<std::string> devices, ips;
      for (auto* x : xs) {
        EXPECT_EQ(x->tx.channel, models::channel::ecom);
        devices.insert(x->tx.device_id);
        ips.insert(x->tx.ip);
      }
      EXPECT_LE(devices.size(), 3u);
      EXPECT_LE(ips.size(), 2u);
      EXPECT_LE(xs.back()->tx.event_time_ms - xs.front()->tx.event_time_ms,
                3 * 3'600'000);
    }
    if (label == fraud_label::merchant_card_testing) {
      // one shop, coin-sized payments, each card once or twice
      std::set<std::string> shops;
      std::map<std::string, int> tries;
      for (auto* x : xs) {
        EXPECT_EQ(x->tx.channel, models::channel::ecom);
        EXPECT_LE(models::major_units(x->tx), 3.0);
        shops.insert(x->tx.merchant_id);
        ++tries[x->tx.card_id];
      }
      EXPECT_EQ(shops.size(), 1u);
      for (auto& [card, n] : tries)
        EXPECT_LE(n, 2) << card;
    }
  }
}

// Walks each card's transactions in time order and checks how fast the
// card would have had to move between located transactions.
TEST(dataset, legitimate_travel_is_physically_possible_and_not_fraud) {
  protocol::dataset_header h;
  auto bytes = generate(small(5));
  auto txs = read_all(bytes, h);
  struct last_seen {
    double lat = 0, lon = 0;
    std::int64_t t = -1;
  };
  std::map<std::string, last_seen> genuine;
  int far_moves = 0;
  int impossible_checked = 0;
  for (auto& x : txs) {
    auto& last = genuine[x.tx.card_id];
    if (last.t >= 0) {
      double km = models::distance_km(last.lat, last.lon, x.tx.lat, x.tx.lon);
      double hours = std::max<double>(x.tx.event_time_ms - last.t, 1) / 3.6e6;
      if (x.label == fraud_label::legitimate && km > 300) {
        ++far_moves;
        EXPECT_LT(km / hours, simulator::fastest_travel_kmh)
          << x.tx.card_id << " moved " << km << " km in " << hours << " h";
      }
      if (x.label == fraud_label::impossible_travel) {
        ++impossible_checked;
        EXPECT_GT(km / hours, simulator::fastest_travel_kmh)
          << "labelled impossible travel but reachable: " << x.tx.tx_id;
      }
    }
    if (x.label == fraud_label::legitimate)
      last = {x.tx.lat, x.tx.lon, x.tx.event_time_ms};
  }
  EXPECT_GT(far_moves, 20) << "the population hardly travels";
  EXPECT_GT(impossible_checked, 0);
}

TEST(dataset, identifiers_look_the_same_for_fraud_and_legitimate) {
  protocol::dataset_header h;
  auto txs = read_all(generate(small(9)), h);
  const std::regex uuid{"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                        "-[0-9a-f]{12}"};
  const std::regex tx_id{"tx_[A-Za-z0-9]{20}"};
  const std::regex card{"tok_[A-Za-z0-9]{20}"};
  const std::regex merchant{"mer_[A-Za-z0-9]{14}"};
  std::set<std::string> ids;
  std::set<std::uint32_t> legit_mccs;
  for (auto& x : txs)
    if (x.label == fraud_label::legitimate)
      legit_mccs.insert(x.tx.mcc);
  for (auto& x : txs) {
    EXPECT_TRUE(std::regex_match(x.tx.tx_id, tx_id)) << x.tx.tx_id;
    EXPECT_TRUE(std::regex_match(x.tx.card_id, card)) << x.tx.card_id;
    EXPECT_TRUE(std::regex_match(x.tx.merchant_id, merchant));
    if (!x.tx.device_id.empty())
      EXPECT_TRUE(std::regex_match(x.tx.device_id, uuid)) << x.tx.device_id;
    EXPECT_EQ(x.tx.device_id.empty(), x.tx.channel != models::channel::ecom);
    EXPECT_TRUE(ids.insert(x.tx.tx_id).second) << "duplicate " << x.tx.tx_id;
    // fraudsters buy the kinds of things cardholders buy
    if (x.label != fraud_label::legitimate)
      EXPECT_EQ(legit_mccs.count(x.tx.mcc), 1u) << "mcc " << x.tx.mcc;
  }
}

} // namespace

namespace {

// Legitimate traffic shares devices (a household's laptop) and addresses
// (its broadband, an office's network) too, so that a rule counting cards
// per device or address has something to be wrong about.
TEST(dataset, legitimate_cards_share_devices_and_addresses) {
  auto o = small(5);
  o.cards = 2'000;
  protocol::dataset_header h;
  auto txs = read_all(generate(o), h);
  std::map<std::string, std::set<std::string>> cards_of_device, cards_of_ip;
  for (auto& t : txs) {
    if (t.label != fraud_label::legitimate)
      continue;
    if (!t.tx.device_id.empty())
      cards_of_device[t.tx.device_id].insert(t.tx.card_id);
    if (!t.tx.ip.empty())
      cards_of_ip[t.tx.ip].insert(t.tx.card_id);
  }
  std::size_t shared_devices = 0, offices = 0;
  for (auto& [d, cards] : cards_of_device)
    shared_devices += cards.size() >= 2 ? 1 : 0;
  for (auto& [ip, cards] : cards_of_ip)
    offices += cards.size() >= 3 ? 1 : 0;
  EXPECT_GE(shared_devices, 5u);
  EXPECT_GE(offices, 5u);
}

} // namespace
