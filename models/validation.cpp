#include "models/validation.hpp"

#include <cmath>
#include <cstdint>

namespace fraud::models {

bool printable(std::string_view s) {
  for (char c : s)
    if (c < '!' || c > '~')
      return false;
  return true;
}

namespace {

bool upper_letters(std::string_view s, std::size_t n) {
  if (s.size() != n)
    return false;
  for (char c : s)
    if (c < 'A' || c > 'Z')
      return false;
  return true;
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = i;
    int value = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
      value = value * 10 + (s[j] - '0');
      if (j - i >= 3 || value > 255)
        return false;
      ++j;
    }
    if (j == i)
      return false;
    ++parts;
    if (j == s.size())
      break;
    if (s[j] != '.')
      return false;
    i = j + 1;
  }
  return parts == 4;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
         || (c >= 'A' && c <= 'F');
}

// The text forms inet_pton accepts (RFC 4291 2.2), without a zone id:
// groups of 1 to 4 hex digits, at most one "::" for one or more zero
// groups, and optionally a dotted IPv4 address standing for the last two.
bool is_ipv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45)
    return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':')
      return false;
    compressed = true;
    i = 2;
  }
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && j - i < 5 && is_hex(s[j]))
      ++j;
    if (j < s.size() && s[j] == '.') {
      if (!is_ipv4(s.substr(i)))
        return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4)
      return false;
    ++groups;
    if (j == s.size())
      break;
    if (s[j] != ':' || j + 1 == s.size())
      return false;  // not a separator, or a single trailing ':'
    i = j + 1;
    if (s[i] == ':') {
      if (compressed)
        return false;
      compressed = true;
      ++i;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

error bad(const char* field, std::string message) {
  return error::in_field(ec::invalid_field, field, std::move(message));
}

// Event times outside this range are clock or encoding errors, not traffic.
constexpr std::int64_t min_event_ms = 946684800000;   // 2000-01-01
constexpr std::int64_t max_event_ms = 4102444800000;  // 2100-01-01
constexpr std::int64_t max_amount_minor = 1'000'000'000'000;

} // namespace

bool is_card_token(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

error validate(const transaction& tx) {
  if (tx.tx_id.empty() || tx.tx_id.size() > 64 || !printable(tx.tx_id))
    return bad("tx_id", "must be 1 to 64 printable characters without spaces");
  if (!is_card_token(tx.card_id))
    return bad("card_id", "must be a card token of 1 to 64 characters from "
                          "A-Z, a-z, 0-9, '_' and '-'");
  if (tx.account_id.size() > 64 || !printable(tx.account_id))
    return bad("account_id", "must be at most 64 printable characters");
  if (tx.amount_minor <= 0)
    return bad("amount_minor", "must be greater than zero");
  if (tx.amount_minor > max_amount_minor)
    return bad("amount_minor", "must be at most 10^12 minor units");
  if (!upper_letters(tx.currency, 3))
    return bad("currency", "must be an ISO 4217 code of three upper-case "
                           "letters");
  if (tx.merchant_id.empty() || tx.merchant_id.size() > 64
      || !printable(tx.merchant_id))
    return bad("merchant_id", "must be 1 to 64 printable characters");
  if (tx.mcc > 9999)
    return bad("mcc", "must be a merchant category code from 0 to 9999");
  if (!upper_letters(tx.country, 2))
    return bad("country", "must be an ISO 3166 alpha-2 code of two "
                          "upper-case letters");
  if (tx.has_location) {
    if (!std::isfinite(tx.lat) || tx.lat < -90 || tx.lat > 90)
      return bad("lat", "must be a latitude from -90 to 90");
    if (!std::isfinite(tx.lon) || tx.lon < -180 || tx.lon > 180)
      return bad("lon", "must be a longitude from -180 to 180");
  }
  if (tx.device_id.size() > 128 || !printable(tx.device_id))
    return bad("device_id", "must be at most 128 printable characters");
  if (!tx.ip.empty() && !is_ipv4(tx.ip) && !is_ipv6(tx.ip))
    return bad("ip", "must be an IPv4 or IPv6 address");
  if (tx.channel != channel::pos && tx.channel != channel::ecom
      && tx.channel != channel::atm)
    return bad("channel", "must be POS, ECOM or ATM");
  if (tx.event_time_ms < min_event_ms || tx.event_time_ms >= max_event_ms)
    return bad("event_time_ms", "must be Unix milliseconds between 2000 and "
                                "2100");
  return {};
}

error check_event_time(const transaction& tx, std::int64_t now_ms,
                       std::int64_t max_ahead_ms) {
  if (max_ahead_ms <= 0 || tx.event_time_ms - now_ms <= max_ahead_ms)
    return {};
  return bad("event_time_ms",
             "is " + std::to_string((tx.event_time_ms - now_ms) / 1000)
               + " s ahead of the service's clock; at most "
               + std::to_string(max_ahead_ms / 1000) + " s are allowed");
}

} // namespace fraud::models
