#include "simulator/dataset_generator.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "models/rates.hpp"
#include "simulator/legit_activity.hpp"
#include "simulator/markets.hpp"
#include "simulator/group_typologies.hpp"
#include "simulator/typologies.hpp"

namespace fraud::simulator {

namespace {

using protocol::fraud_label;

constexpr std::int64_t day_ms = 86'400'000;
// stream numbers: every part of the generator draws from its own stream
constexpr std::uint64_t legit_stream = 1;
constexpr std::uint64_t attack_plan_stream = 2;
constexpr std::uint64_t attack_stream = 3;
constexpr std::uint64_t tx_id_stream = 4;
constexpr std::uint64_t fx_stream = 5;

class generator {
public:
  explicit generator(const generator_options& opts)
    : opts_(opts), shops_(opts.seed) {}

  void run() {
    cards_ = make_population(opts_.cards, opts_.seed, shops_, ids_);
    auto start = opts_.start_ms;
    auto end = start + static_cast<std::int64_t>(opts_.days) * day_ms;
    per_card_.resize(cards_.size());
    trips_.resize(cards_.size());
    for (std::uint32_t i = 0; i < cards_.size(); ++i) {
      rng r{mix_seed(opts_.seed, legit_stream, i)};
      trips_[i] = plan_itinerary(cards_[i], r, start, end, ids_);
      card_scene scene{cards_[i], i, trips_[i], shops_, ids_, start, end};
      generate_legit(scene, r, per_card_[i]);
    }
    attacks(start + warm_up_ms(opts_), end);
    merge();
  }

  const std::vector<sim_record>& records() const { return all_; }
  const generation_summary& summary() const { return summary_; }

  bool write(std::ostream& out, std::string& error) const {
    protocol::dataset_writer w{out};
    protocol::dataset_header h;
    h.seed = opts_.seed;
    h.cards = opts_.cards;
    h.days = opts_.days;
    h.fraud_rate = opts_.fraud_rate;
    h.start_ms = opts_.start_ms;
    h.transactions = all_.size();
    h.generator = generator_version;
    bool ok = w.write_header(h);
    rng ids{mix_seed(opts_.seed, tx_id_stream)};
    protocol::labeled_transaction lt;
    for (auto& rec : all_) {
      if (!ok)
        break;
      materialise(rec, ids, lt);
      ok = w.write(lt);
    }
    ok = w.finish() && ok && out.good();
    if (!ok)
      error = "cannot write the dataset";
    return ok;
  }

private:
  void attacks(std::int64_t from, std::int64_t end) {
    rng plan{mix_seed(opts_.seed, attack_plan_stream)};
    auto n = static_cast<std::uint32_t>(
      std::lround(opts_.fraud_rate * opts_.cards));
    n = std::min(n, opts_.cards);
    // exact shares per typology (largest remainder), in a shuffled order
    std::vector<fraud_label> kinds;
    std::vector<std::pair<double, fraud_label>> rest;
    for (auto& t : typology_mix()) {
      double exact = t.share * n;
      auto whole = static_cast<std::uint32_t>(exact);
      kinds.insert(kinds.end(), whole, t.label);
      rest.emplace_back(exact - whole, t.label);
    }
    std::stable_sort(rest.begin(), rest.end(),
                     [](auto& a, auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; kinds.size() < n; ++i)
      kinds.push_back(rest[i % rest.size()].second);
    shuffle(kinds, plan);
    std::vector<std::uint32_t> order(cards_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i)
      order[i] = i;
    shuffle(order, plan);
    // Attacks on many cards first, each taking its victims from the
    // shuffled order; the per-card attacks take the cards left.
    std::array<std::uint32_t, protocol::fraud_label_count> group_cards{};
    std::vector<fraud_label> per_card;
    for (auto kind : kinds)
      if (is_group_typology(kind))
        ++group_cards[static_cast<std::size_t>(kind)];
      else
        per_card.push_back(kind);
    std::uint32_t attack_id = 0;
    group_scene scene{cards_, trips_, shops_, ids_, per_card_, from, end};
    for (auto kind : {fraud_label::fraud_ring,
                      fraud_label::merchant_card_testing}) {
      auto total = group_cards[static_cast<std::size_t>(kind)];
      auto most = kind == fraud_label::fraud_ring ? max_ring_cards
                                                  : max_tested_cards;
      auto parts = (total + most - 1) / most;
      for (std::uint32_t p = 0; p < parts; ++p) {
        auto size = total / parts + (p < total % parts ? 1 : 0);
        // a ring needs victims near one another: look for a town with
        // enough of them, then settle for fewer
        bool done = false;
        for (auto least : {size, std::min(size, min_ring_cards)})
          for (std::size_t tries = 0; tries < 200 && !done && !order.empty();
               ++tries) {
            rng r{mix_seed(opts_.seed, attack_stream, attack_id + 1)};
            if (inject_group_attack(kind, size, least, attack_id + 1, scene, r,
                                    order)
                > 0) {
              ++attack_id;
              ++summary_.attacks[static_cast<std::size_t>(kind)];
              done = true;
            } else {
              std::rotate(order.begin(), order.begin() + 1, order.end());
            }
          }
      }
    }
    std::size_t next_card = 0;
    for (auto kind : per_card) {
      // a card without an opportunity for this attack is passed over
      while (next_card < order.size()) {
        auto c = order[next_card++];
        attack_context ctx{
          {cards_[c], c, trips_[c], shops_, ids_, opts_.start_ms, end},
          from,
          attack_id + 1};
        rng r{mix_seed(opts_.seed, attack_stream, attack_id + 1)};
        if (inject_attack(kind, ctx, r, per_card_[c])) {
          ++attack_id;
          ++summary_.attacks[static_cast<std::size_t>(kind)];
          break;
        }
      }
    }
  }

  void merge() {
    std::size_t total = 0;
    for (auto& v : per_card_)
      total += v.size();
    all_.reserve(total);
    for (auto& v : per_card_) {
      std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) {
        return a.time_ms < b.time_ms;
      });
      for (std::uint32_t s = 0; s < v.size(); ++s) {
        v[s].seq = s;
        all_.push_back(v[s]);
      }
      std::vector<sim_record>{}.swap(v);
    }
    std::sort(all_.begin(), all_.end(), [](auto& a, auto& b) {
      if (a.time_ms != b.time_ms)
        return a.time_ms < b.time_ms;
      if (a.card != b.card)
        return a.card < b.card;
      return a.seq < b.seq;
    });
    summary_.cards = opts_.cards;
    summary_.transactions = all_.size();
    for (auto& rec : all_)
      ++summary_.by_label[static_cast<std::size_t>(rec.label)];
  }

  void materialise(const sim_record& rec, rng& ids,
                   protocol::labeled_transaction& out) const {
    auto& card = cards_[rec.card];
    auto& shop = shops_[rec.merchant];
    auto& tx = out.tx;
    tx.tx_id = make_tx_id(ids);
    tx.card_id = card.token;
    tx.account_id = card.account;
    tx.amount_minor = rec.amount_minor;
    tx.currency = card.home->currency;
    tx.merchant_id = shop.id;
    tx.mcc = shop.mcc;
    tx.country.assign(shop.country, 2);
    tx.has_location = true;
    tx.lat = rec.lat;
    tx.lon = rec.lon;
    tx.device_id = rec.device >= 0 ? ids_.device(rec.device) : std::string{};
    tx.ip = rec.ip >= 0 ? ids_.ip(rec.ip) : std::string{};
    tx.channel = rec.channel;
    tx.event_time_ms = rec.time_ms;
    if (rec.channel != models::channel::ecom)
      charge_locally(rec, shop.country, tx);
    out.label = rec.label;
    out.attack_id = rec.attack_id;
  }

  // A shop or ATM abroad charges in its own currency: the amount the card
  // is billed (rec.amount_minor, home currency) at the day's rate, which
  // is not quite the rates table's (within 3 %, as markets move and
  // networks add their margin). Fraud or not: a shop abroad charges a
  // thief in its currency too.
  void charge_locally(const sim_record& rec, const char* country,
                      models::transaction& tx) const {
    auto* local = local_currency(country);
    if (local == nullptr || tx.currency == local)
      return;
    auto& fx = models::default_rates();
    auto* from = fx.find(tx.currency);
    auto* to = fx.find(local);
    if (from == nullptr || to == nullptr)
      return;
    // one rate a currency a day, the same for every card
    auto code = static_cast<std::uint64_t>(
      (to->code[0] << 16) | (to->code[1] << 8) | to->code[2]);
    rng day{mix_seed(opts_.seed, fx_stream,
                     code * 100'000
                       + static_cast<std::uint64_t>(rec.time_ms / day_ms))};
    auto major = models::rates::convert(rec.amount_minor, *from, *to)
                 * day.uniform(0.97, 1.03);
    tx.amount_minor = std::max<std::int64_t>(1, models::rates::to_minor(major,
                                                                       *to));
    tx.currency = local;
  }

  template <class T>
  static void shuffle(std::vector<T>& xs, rng& r) {
    for (std::size_t i = xs.size(); i > 1; --i)
      std::swap(xs[i - 1], xs[r.below(i)]);
  }

  generator_options opts_;
  merchant_directory shops_;
  identity_pool ids_;
  std::vector<card_profile> cards_;
  std::vector<itinerary> trips_;
  std::vector<std::vector<sim_record>> per_card_;
  std::vector<sim_record> all_;
  generation_summary summary_;
};

} // namespace

const std::array<typology_share, 7>& typology_mix() {
  // Shares of the attacked cards: an attack on many cards takes many.
  static const std::array<typology_share, 7> mix = {{
    {fraud_label::card_testing, 0.15},
    {fraud_label::impossible_travel, 0.12},
    {fraud_label::account_takeover, 0.12},
    {fraud_label::stolen_card_spree, 0.11},
    {fraud_label::slow_anomaly, 0.12},
    {fraud_label::fraud_ring, 0.14},
    {fraud_label::merchant_card_testing, 0.24},
  }};
  return mix;
}

std::int64_t warm_up_ms(const generator_options& opts) {
  auto period = static_cast<std::int64_t>(opts.days) * day_ms;
  if (opts.days < 4)
    return period / 2;
  return std::max<std::int64_t>(2 * day_ms, period / 4);
}

bool generate_dataset(const generator_options& opts, std::ostream& out,
                      generation_summary& summary, std::string& error) {
  if (opts.cards == 0 || opts.days == 0) {
    error = "--cards and --days must be at least 1";
    return false;
  }
  if (!(opts.fraud_rate >= 0 && opts.fraud_rate <= 1)) {
    error = "--fraud-rate must be between 0 and 1";
    return false;
  }
  generator g{opts};
  g.run();
  summary = g.summary();
  return g.write(out, error);
}

} // namespace fraud::simulator
