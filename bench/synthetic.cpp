#include "bench/synthetic.hpp"

#include <cstdio>

namespace fraud::bench {

namespace {

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr std::int64_t start_ms = 1'700'000'000'000;

} // namespace

std::string card_id(std::uint32_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "card-%06u", n);
  return buf;
}

std::uint32_t synthetic_card(std::uint64_t i, std::uint32_t cards) {
  return static_cast<std::uint32_t>(splitmix(i) % cards);
}

models::transaction synthetic_transaction(std::uint64_t i,
                                          std::uint32_t cards,
                                          std::int64_t step_ms) {
  return synthetic_transaction_on(i, synthetic_card(i, cards), step_ms);
}

models::transaction synthetic_transaction_on(std::uint64_t i,
                                             std::uint32_t card,
                                             std::int64_t step_ms) {
  auto r = splitmix(i);
  auto home = splitmix(card);
  models::transaction tx;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "tx-%llu",
                static_cast<unsigned long long>(i));
  tx.tx_id = buf;
  tx.card_id = card_id(card);
  std::snprintf(buf, sizeof(buf), "acct-%u", card / 2);
  tx.account_id = buf;
  // Ordinary amounts 5.00 to 120.00; one in forty is 40x that.
  tx.amount_minor = 500 + static_cast<std::int64_t>((r >> 8) % 11'500);
  if ((r >> 24) % 40 == 0)
    tx.amount_minor *= 40;
  tx.currency = "USD";
  std::snprintf(buf, sizeof(buf), "m-%u",
                static_cast<unsigned>((r >> 32) % 5000));
  tx.merchant_id = buf;
  tx.mcc = 5411;
  tx.country = "US";
  tx.channel = (r >> 40) % 5 == 0 ? models::channel::ecom
                                  : models::channel::pos;
  if (tx.channel == models::channel::ecom) {
    std::snprintf(buf, sizeof(buf), "dev-%u-%u", card,
                  static_cast<unsigned>((r >> 44) % 2));
    tx.device_id = buf;
    // A home's address, shared by the two cards of an account (as a
    // household's broadband is): entity state sees many addresses with
    // a card or two each, not one address behind every card.
    auto household = card / 2;
    std::snprintf(buf, sizeof(buf), "10.%u.%u.%u",
                  static_cast<unsigned>((household >> 16) & 0xff),
                  static_cast<unsigned>((household >> 8) & 0xff),
                  static_cast<unsigned>(household & 0xff));
    tx.ip = buf;
  } else {
    // Within a few km of the card's home, somewhere in the continental US.
    tx.has_location = true;
    tx.lat = 30.0 + static_cast<double>(home % 1500) / 100.0
             + static_cast<double>((r >> 48) % 100) / 5000.0;
    tx.lon = -120.0 + static_cast<double>((home >> 16) % 4000) / 100.0
             + static_cast<double>((r >> 56) % 100) / 5000.0;
  }
  tx.event_time_ms = start_ms + static_cast<std::int64_t>(i) * step_ms;
  return tx;
}

} // namespace fraud::bench
