// The built-in ruleset, written by hand. Each rule is a few lines: a
// condition on features, a score, and a sentence a fraud analyst can read.
#include <algorithm>

#include "models/ruleset.hpp"
#include "models/text_format.hpp"

namespace fraud::models {

namespace {

reason make_reason(const char* rule, std::string detail, double value,
                   double threshold, int score) {
  return reason{rule, std::move(detail), value, threshold, score};
}

class default_ruleset final : public ruleset {
public:
  const std::string& version() const override { return version_; }

  std::vector<rule_name> rule_names() const override {
    std::vector<rule_name> out;
    for (const char* name :
         {"impossible_travel", "card_testing", "new_device_far_away",
          "new_device_amount", "new_country_amount", "amount_spike",
          "velocity_spike", "card_present_spree", "goods_spending_repeat",
          "ring_device", "ring_ip",
          "merchant_card_testing"})
      out.push_back({name, false});
    return out;
  }

  void evaluate(const features& f, evaluation& out) const override {
    out.action = action::approve;
    out.score = 0;
    out.reasons.clear();
    impossible_travel(f, out);
    card_testing(f, out);
    // Rules on amounts only when the amounts could be converted, as the
    // compiler guards every rule that reads one (rule_compiler.cpp).
    if (f.currency_known) {
      new_device_far_away(f, out);
      new_device_amount(f, out);
      new_country_amount(f, out);
      amount_spike(f, out);
    }
    velocity_spike(f, out);
    if (f.currency_known) {
      card_present_spree(f, out);
      goods_spending_repeat(f, out);
    }
    ring_device(f, out);
    ring_ip(f, out);
    if (f.currency_known)
      merchant_card_testing(f, out);
    else
      out.reasons.push_back(unknown_currency_reason(f));
    settle(out, limits_);
  }

private:
  // A card cannot be in two places further apart than an airliner flies.
  static void impossible_travel(const features& f, evaluation& out) {
    constexpr double max_kmh = 900;
    constexpr double min_km = 300;
    if (f.has_previous_location && f.distance_km > min_km
        && f.speed_kmh > max_kmh)
      add_score(out, make_reason(
                       "impossible_travel",
                       say("%.0f km from the last transaction %.0f minutes "
                           "earlier: %.0f km/h, faster than %.0f km/h",
                           f.distance_km, f.minutes_since_located,
                           f.speed_kmh, max_kmh),
                       f.speed_kmh, max_kmh, 80));
  }

  // Fraudsters check stolen numbers with small online payments in a burst.
  static void card_testing(const features& f, evaluation& out) {
    constexpr double max_probes = 3;
    if (f.small_cnp_count_10m >= max_probes)
      add_score(out,
                make_reason("card_testing",
                            say("%u small card-not-present payments (at most "
                                "%.2f) in 10 minutes, limit %.0f",
                                f.small_cnp_count_10m, small_amount,
                                max_probes),
                            f.small_cnp_count_10m, max_probes, 80));
  }

  // A device the card never used, connecting from far away from where the
  // card was last used: someone else holds the card's details (a card
  // tester, an account taken over). The cardholder's own new phone is used
  // where the cardholder is. A card never used online has no devices to
  // compare with: there, only a probe-sized payment (a card tester's first
  // move) makes its first device news. The distance is the one
  // impossible_travel starts at, well beyond city-level IP geolocation.
  static void new_device_far_away(const features& f, evaluation& out) {
    constexpr double min_km = 300;
    bool probe = !f.card_present && f.amount_home <= small_amount;
    if (f.new_device && (f.known_devices > 0 || probe)
        && f.has_previous_location && f.distance_km > min_km)
      add_score(out, make_reason(
                       "new_device_far_away",
                       say("first use of this device, %.0f km from where the "
                           "card was last used (limit %.0f km)",
                           f.distance_km, min_km),
                       f.distance_km, min_km, 80));
  }

  static void new_device_amount(const features& f, evaluation& out) {
    constexpr double ratio = 3;
    if (f.new_device && f.known_devices > 0 && f.tx_count >= 3
        && f.amount_ratio >= ratio)
      add_score(out, make_reason(
                       "new_device_amount",
                       say("first use of this device, for %.1fx the card's "
                           "average amount (%.2f)",
                           f.amount_ratio, f.avg_amount),
                       f.amount_ratio, ratio, 45));
  }

  static void new_country_amount(const features& f, evaluation& out) {
    constexpr double ratio = 3;
    // Card present only: online, the country is the merchant's, and buying
    // from a foreign web shop says nothing about where the card is. Weak on
    // its own (travellers pay hotels abroad): it declines only together
    // with another rule's evidence beyond an amount spike.
    if (f.new_country && f.card_present && f.tx_count >= 3
        && f.amount_ratio >= ratio)
      add_score(out,
                make_reason("new_country_amount",
                            say("first use in %s, for %.1fx the card's "
                                "average amount (%.2f)",
                                f.country, f.amount_ratio, f.avg_amount),
                            f.amount_ratio, ratio, 25));
  }

  static void amount_spike(const features& f, evaluation& out) {
    constexpr double z = 3.5;
    constexpr double ratio = 5;
    if (f.tx_count >= 5 && f.amount_z >= z && f.amount_ratio >= ratio)
      add_score(out, make_reason(
                       "amount_spike",
                       say("%.2f is %.1fx the card's average of %.2f "
                           "(%.1f standard deviations, limit %.1f)",
                           f.amount, f.amount_ratio, f.avg_amount, f.amount_z,
                           z),
                       f.amount_z, z, 45));
  }

  static void velocity_spike(const features& f, evaluation& out) {
    constexpr double per_hour = 10;
    if (f.count_1h >= per_hour)
      add_score(out, make_reason("velocity_spike",
                                 say("%u transactions in the last hour, "
                                     "limit %.0f",
                                     f.count_1h, per_hour),
                                 f.count_1h, per_hour, 40));
  }

  // A stolen card's thief buys expensive goods in shop after shop: in an
  // hour, several card-present purchases each far above what the card
  // usually pays, together well over what it spends in a usual day. A
  // card with little history learns the spree's approved purchases into
  // its profile and usual daily spend, which climb with the spree: there
  // one more purchase is enough, whatever the usual spend.
  static void card_present_spree(const features& f, evaluation& out) {
    constexpr double purchases = 3;
    constexpr double velocity = 2;
    constexpr std::uint32_t young = 30;  // transactions
    if (f.card_present
        && ((f.cp_high_count_1h >= purchases
             && f.spend_velocity_1h >= velocity)
            || (f.cp_high_count_1h >= purchases + 1 && f.tx_count < young)))
      add_score(out, make_reason(
                       "card_present_spree",
                       say("%u card-present purchases of at least %.0fx the "
                           "card's typical amount in an hour (%.2f, %.1fx its "
                           "usual daily spend), limit %.0f (%.0f on a card "
                           "with under %u transactions, whatever its usual "
                           "spend)",
                           f.cp_high_count_1h, high_value_ratio,
                           f.cp_high_sum_1h, f.spend_velocity_1h, purchases,
                           purchases + 1, young),
                       f.cp_high_count_1h, purchases, 80));
  }

  // Someone close to the cardholder, with the card and the phone (a
  // household member, a carer), buys goods that sell on easily far above
  // the card's habit, a few times over days, where the cardholder is: each
  // purchase alone looks like anyone's occasional large one (a
  // television, a ring). Three in a week do not.
  static void goods_spending_repeat(const features& f, evaluation& out) {
    constexpr double purchases = 3;
    if (f.goods_high && f.goods_high_count_7d >= purchases)
      add_score(out, make_reason(
                       "goods_spending_repeat",
                       say("%u purchases of goods of at least %.0fx the "
                           "card's typical amount in 7 days (%.2f), limit "
                           "%.0f",
                           f.goods_high_count_7d, goods_high_ratio,
                           f.goods_high_sum_7d, purchases),
                       f.goods_high_count_7d, purchases, 80));
  }

  // A fraud ring works through many cards' details in one sitting from a
  // few laptops behind one or two addresses; each card alone shows nothing
  // but a new device near home. A household shares a laptop and its
  // broadband, an office its address: a few cards over a day, each on its
  // own known devices, seldom two on one device within the hour. Once one
  // of the ring's payments is declined, two cards are enough: the ring's
  // first card, back for another purchase, is caught with the rest.
  static void ring_device(const features& f, evaluation& out) {
    constexpr double cards = 3;
    if (f.device_cards_1h >= cards
        || (f.device_cards_1h >= cards - 1
            && (f.new_device || f.device_declined_share_1h > 0)))
      add_score(out, make_reason(
                       "ring_device",
                       say("%u cards used this device in the last hour, "
                           "limit %.0f (2 when the device is new to the "
                           "card or one of its payments was declined)",
                           f.device_cards_1h, cards),
                       f.device_cards_1h, cards, 80));
  }

  static void ring_ip(const features& f, evaluation& out) {
    constexpr double cards = 4;
    if (f.ip_cards_10m >= cards || (f.ip_cards_10m >= cards - 1 && f.new_device)
        || (f.ip_cards_10m >= 2 && f.ip_declined_share_1h > 0))
      add_score(out, make_reason(
                       "ring_ip",
                       say("%u cards used this IP address in 10 minutes, "
                           "limit %.0f (3 when the device is new to the "
                           "card, 2 when one of its payments was declined)",
                           f.ip_cards_10m, cards),
                       f.ip_cards_10m, cards, 80));
  }

  // Card testers try many stolen numbers at one web shop, each once or
  // twice, for a coin. A busy shop sees several small payments in ten
  // minutes too, each from a card on its own known device.
  static void merchant_card_testing(const features& f, evaluation& out) {
    constexpr double cards = 4;
    auto n = f.merchant_small_cnp_cards_10m;
    if (f.amount_home <= small_amount
        && (n >= cards || (n >= cards - 1 && f.new_device)))
      add_score(out, make_reason(
                       "merchant_card_testing",
                       say("%u cards made small card-not-present payments "
                           "at this merchant in 10 minutes, limit %.0f (3 "
                           "when the device is new to the card)",
                           n, cards),
                       n, cards, 80));
  }

  std::string version_ = "default-1";
  thresholds limits_;
};

} // namespace

const std::string& ruleset::model_version() const {
  static const std::string none;
  return none;
}

std::vector<rule_name> ruleset::rule_names() const {
  return {};
}

void add_score(evaluation& out, reason r) {
  out.score = std::clamp(out.score + r.score, 0, 100);
  out.reasons.push_back(std::move(r));
}

void force_action(evaluation& out, action a, reason r) {
  if (static_cast<int>(a) > static_cast<int>(out.action))
    out.action = a;
  out.reasons.push_back(std::move(r));
}

reason unknown_currency_reason(const features& f) {
  reason r;
  r.rule = "unknown_currency";
  r.detail = "rules on amounts skipped: the rates do not know "
             + std::string{f.currency.empty() ? std::string_view{"\"\""}
                                              : f.currency}
             + " or the card's home currency";
  return r;
}

void settle(evaluation& out, const thresholds& t) {
  auto by_score = out.score >= t.decline_at  ? action::decline
                  : out.score >= t.review_at ? action::review
                                             : action::approve;
  if (static_cast<int>(by_score) > static_cast<int>(out.action))
    out.action = by_score;
}

std::shared_ptr<const ruleset> make_default_ruleset() {
  return std::make_shared<default_ruleset>();
}

} // namespace fraud::models
