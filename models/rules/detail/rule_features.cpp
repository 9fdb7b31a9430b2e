#include "models/rules/detail/rule_features.hpp"

namespace fraud::models::rules {

namespace {

feature_info number(std::string_view name, double features::*m,
                    std::string_view doc) {
  feature_info i{name, field_kind::f64, {}, doc};
  i.field.f64 = m;
  return i;
}

feature_info count(std::string_view name, std::uint32_t features::*m,
                   std::string_view doc) {
  feature_info i{name, field_kind::u32, {}, doc};
  i.field.u32 = m;
  return i;
}

feature_info flag(std::string_view name, bool features::*m,
                  std::string_view doc) {
  feature_info i{name, field_kind::flag, {}, doc};
  i.field.flag = m;
  return i;
}

feature_info code(std::string_view name, char (features::*m)[3],
                  std::string_view doc) {
  feature_info i{name, field_kind::chars, {}, doc};
  i.field.chars = m;
  return i;
}

feature_info text(std::string_view name, std::string_view features::*m,
                  std::string_view doc) {
  feature_info i{name, field_kind::view, {}, doc};
  i.field.view = m;
  return i;
}

feature_info money(feature_info i) {
  i.money = true;
  return i;
}

std::vector<feature_info> catalogue() {
  using f = features;
  feature_info channel{"channel", field_kind::channel, {},
                       "POS, ECOM or ATM"};
  channel.field.chan = &f::channel;
  return {
    money(number("amount", &f::amount,
                 "the amount, in major units of its currency")),
    channel,
    count("mcc", &f::mcc, "merchant category code"),
    code("country", &f::country,
         "ISO 3166 alpha-2 of the merchant or terminal, e.g. \"US\""),
    flag("card_present", &f::card_present, "POS and ATM; false online"),
    flag("currency_known", &f::currency_known,
         "the rates know the transaction's and the card's home currency"),
    flag("foreign_currency", &f::foreign_currency,
         "the currency is not the card's home currency"),
    money(number("amount_home", &f::amount_home,
                 "the amount in the card's home currency")),
    count("tx_count", &f::tx_count,
          "transactions the card made before (approved ones)"),
    flag("has_previous_location", &f::has_previous_location,
         "this and an earlier transaction both have a location"),
    number("distance_km", &f::distance_km,
           "from the last located transaction"),
    number("minutes_since_located", &f::minutes_since_located,
           "since the last located transaction"),
    number("speed_kmh", &f::speed_kmh,
           "distance over time, the time floored at one minute"),
    number("seconds_since_last", &f::seconds_since_last,
           "since the card's last transaction, -1 without history"),
    count("count_1m", &f::count_1m,
          "transactions in the last minute, this one included"),
    money(number("sum_1m", &f::sum_1m,
                 "their amounts added up, in the home currency")),
    count("count_1h", &f::count_1h, "transactions in the last hour"),
    money(number("sum_1h", &f::sum_1h, "their amounts added up")),
    count("count_24h", &f::count_24h, "transactions in the last 24 hours"),
    money(number("sum_24h", &f::sum_24h, "their amounts added up")),
    count("small_cnp_count_10m", &f::small_cnp_count_10m,
          "card-not-present payments of at most 5.00 in 10 minutes"),
    money(count("cp_high_count_1h", &f::cp_high_count_1h,
                "card-present purchases of at least 2x the card's typical "
                "amount in the last hour")),
    money(number("cp_high_sum_1h", &f::cp_high_sum_1h,
                 "their amounts added up")),
    money(flag("goods_high", &f::goods_high,
               "a purchase of goods (MCC 5311 department stores, 5399 "
               "general merchandise and marketplaces, 5712 furniture, 5732 "
               "electronics, 5944 jewellery) of at least 9x the card's "
               "typical amount, once it has 3 transactions")),
    money(count("goods_high_count_7d", &f::goods_high_count_7d,
                "such purchases in the last 7 days, in store or online, "
                "this one included")),
    money(number("goods_high_sum_7d", &f::goods_high_sum_7d,
                 "their amounts added up")),
    money(number("avg_amount", &f::avg_amount,
           "the card's average amount before this one, in its home currency (0 without history)")),
    money(number("amount_ratio", &f::amount_ratio,
           "amount_home / avg_amount (1 without history)")),
    money(number("amount_z", &f::amount_z,
           "standard deviations above the card's log-amount profile")),
    money(number("usual_daily_spend", &f::usual_daily_spend,
                 "the card's average amount times its transactions a day "
                 "(0 before 3 transactions)")),
    money(number("spend_velocity_1h", &f::spend_velocity_1h,
                 "sum_1h / usual_daily_spend (0 without one)")),
    money(number("spend_velocity_24h", &f::spend_velocity_24h,
                 "sum_24h / usual_daily_spend (0 without one)")),
    flag("new_device", &f::new_device, "a device the card never used"),
    count("known_devices", &f::known_devices,
          "devices the card was used with before (at most 8)"),
    flag("new_country", &f::new_country,
         "a country the card was never used in"),
    code("home_country", &f::home_country,
         "the country with most of the card's transactions"),
    count("device.cards_10m", &f::device_cards_10m,
          "cards that used the device in 10 minutes, this one included "
          "(0 without a device; counts stop at 32)"),
    count("device.cards_1h", &f::device_cards_1h, "the same over an hour"),
    count("device.cards_24h", &f::device_cards_24h, "the same over 24 hours"),
    number("device.declined_share_1h", &f::device_declined_share_1h,
           "share of the device's payments declined in the last hour"),
    count("ip.cards_10m", &f::ip_cards_10m,
          "cards that used the IP address in 10 minutes, this one included"),
    count("ip.cards_1h", &f::ip_cards_1h, "the same over an hour"),
    count("ip.cards_24h", &f::ip_cards_24h, "the same over 24 hours"),
    number("ip.declined_share_1h", &f::ip_declined_share_1h,
           "share of the IP address's payments declined in the last hour"),
    count("merchant.cards_10m", &f::merchant_cards_10m,
          "cards that paid the merchant online in 10 minutes, this one "
          "included (the merchant's features count card-not-present "
          "payments only: 0 for a card-present one)"),
    count("merchant.small_cnp_count_1m", &f::merchant_small_cnp_count_1m,
          "small card-not-present payments (as small_cnp_count_10m) at the "
          "merchant in the last minute"),
    count("merchant.small_cnp_count_10m", &f::merchant_small_cnp_count_10m,
          "the same over 10 minutes"),
    count("merchant.small_cnp_cards_1m", &f::merchant_small_cnp_cards_1m,
          "distinct cards that made them in the last minute"),
    count("merchant.small_cnp_cards_10m", &f::merchant_small_cnp_cards_10m,
          "the same over 10 minutes"),
    number("merchant.declined_share_1h", &f::merchant_declined_share_1h,
           "share of the merchant's payments declined in the last hour"),
    text("card_id", &f::card_id, "the card token"),
    text("device_id", &f::device_id, "\"\" when card-present"),
    text("merchant_id", &f::merchant_id, "the merchant"),
    text("ip", &f::ip, "IPv4 or IPv6 text, may be \"\""),
    text("currency", &f::currency, "ISO 4217 code, e.g. \"JPY\""),
    number("model_score", &f::model_score,
           "the trained model's fraud probability, 0-1 (fraudd --model); "
           "0 without a model"),
  };
}

} // namespace

const char* describe(value_type t) {
  switch (t) {
    case value_type::number:
      return "a number";
    case value_type::boolean:
      return "true or false";
    case value_type::string:
      return "a string";
    case value_type::channel:
      return "a channel";
  }
  return "a value";
}

value_type feature_info::type() const {
  switch (kind) {
    case field_kind::f64:
    case field_kind::u32:
      return value_type::number;
    case field_kind::flag:
      return value_type::boolean;
    case field_kind::channel:
      return value_type::channel;
    case field_kind::chars:
    case field_kind::view:
      return value_type::string;
  }
  return value_type::number;
}

namespace {

// Where each field is, measured on an object (offsetof cannot take a
// member pointer).
std::vector<feature_info> with_offsets(std::vector<feature_info> all) {
  features probe;
  auto at = [&](const auto& member) {
    return static_cast<std::uint16_t>(
      reinterpret_cast<const char*>(&member)
      - reinterpret_cast<const char*>(&probe));
  };
  for (auto& i : all) {
    switch (i.kind) {
      case field_kind::f64:
        i.offset = at(probe.*i.field.f64);
        break;
      case field_kind::u32:
        i.offset = at(probe.*i.field.u32);
        break;
      case field_kind::flag:
        i.offset = at(probe.*i.field.flag);
        break;
      case field_kind::channel:
        i.offset = at(probe.*i.field.chan);
        break;
      case field_kind::chars:
        i.offset = at(probe.*i.field.chars);
        break;
      case field_kind::view:
        i.offset = at(probe.*i.field.view);
        break;
    }
  }
  return all;
}

} // namespace

const std::vector<feature_info>& all_features() {
  static const std::vector<feature_info> features =
    with_offsets(catalogue());
  return features;
}

const feature_info* find_feature(std::string_view name) {
  for (auto& f : all_features())
    if (f.name == name)
      return &f;
  return nullptr;
}

bool channel_constant(std::string_view name, models::channel& out) {
  if (name == "POS")
    out = channel::pos;
  else if (name == "ECOM")
    out = channel::ecom;
  else if (name == "ATM")
    out = channel::atm;
  else
    return false;
  return true;
}

} // namespace fraud::models::rules
