#include "simulator/identifiers.hpp"

namespace fraud::simulator {

namespace {

std::string alnum(rng& r, const char* prefix, int n) {
  static constexpr char chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out = prefix;
  for (int i = 0; i < n; ++i)
    out += chars[r.below(sizeof(chars) - 1)];
  return out;
}

void append_hex(std::string& out, std::uint64_t x, int digits) {
  static constexpr char hex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i)
    out += hex[(x >> (4 * i)) & 0xf];
}

} // namespace

std::string make_card_token(rng& r) {
  return alnum(r, "tok_", 20);
}

std::string make_account_id(rng& r) {
  return alnum(r, "acc_", 16);
}

std::string make_merchant_id(rng& r) {
  return alnum(r, "mer_", 14);
}

std::string make_tx_id(rng& r) {
  return alnum(r, "tx_", 20);
}

std::string make_device_id(rng& r) {
  auto hi = r.bits();
  auto lo = r.bits();
  hi = (hi & ~0xf000ull) | 0x4000ull;                       // version 4
  lo = (lo & ~(0xcull << 60)) | (0x8ull << 60);             // variant 10xx
  std::string out;
  out.reserve(36);
  append_hex(out, hi >> 32, 8);
  out += '-';
  append_hex(out, (hi >> 16) & 0xffff, 4);
  out += '-';
  append_hex(out, hi & 0xffff, 4);
  out += '-';
  append_hex(out, lo >> 48, 4);
  out += '-';
  append_hex(out, lo & 0xffffffffffffull, 12);
  return out;
}

std::string make_ip(rng& r) {
  if (r.chance(0.25)) {
    // 2000::/3, global unicast, written without zero compression
    std::string out;
    for (int i = 0; i < 8; ++i) {
      if (i > 0)
        out += ':';
      auto group = r.below(0x10000);
      if (i == 0)
        group = 0x2000 | (group & 0x1fff);
      static constexpr char hex[] = "0123456789abcdef";
      bool started = false;
      for (int d = 3; d >= 0; --d) {
        auto nibble = (group >> (4 * d)) & 0xf;
        if (nibble != 0 || started || d == 0) {
          out += hex[nibble];
          started = true;
        }
      }
    }
    return out;
  }
  // first octets of public unicast space: no 0, 10, 100, 127, 169, 172,
  // 192, 198, 203 (private, shared, loopback and documentation blocks)
  int a;
  do
    a = r.between(1, 223);
  while (a == 10 || a == 100 || a == 127 || a == 169 || a == 172 || a == 192
         || a == 198 || a == 203);
  return std::to_string(a) + '.' + std::to_string(r.between(0, 255)) + '.'
         + std::to_string(r.between(0, 255)) + '.'
         + std::to_string(r.between(1, 254));
}

} // namespace fraud::simulator
