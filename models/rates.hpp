// Exchange rates: what one unit of each ISO 4217 currency is worth, so that
// a card's amounts can be compared in one currency, its own.
//
// A rates table is parsed from text (models/default.rates is the built-in
// one, and the format), then immutable and shared by every card actor, like
// a ruleset: replacing the rates means building a new table. Looking a
// currency up is one load from a table indexed by its three letters.
//
// Thread-safe: const.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/error.hpp"

namespace fraud::models {

struct currency_rate {
  std::array<char, 3> code{};  // ISO 4217, e.g. "JPY"
  std::uint8_t exponent = 2;   // digits after the decimal point (ISO 4217)
  double per_reference = 1;    // units of it one unit of the reference buys

  std::string_view name() const { return {code.data(), code.size()}; }
};

class rates {
public:
  /// Most currencies a table holds (ISO 4217 lists about 180).
  static constexpr std::size_t max_currencies = 254;
  /// Most bytes of text parse() takes.
  static constexpr std::size_t max_text_bytes = 64 * 1024;

  /// The table of `text`, or BAD_REQUEST naming the line of each problem
  /// ("line 12: ..."), one a line. The text must name its reference
  /// currency (`reference EUR`) and list it with the rate 1.
  static expected<rates> parse(std::string_view text);

  /// The currency called `code`, or null when the table does not know it.
  const currency_rate* find(std::string_view code) const {
    if (code.size() != 3)
      return nullptr;
    auto at = slot(code[0], code[1], code[2]);
    if (at < 0)
      return nullptr;
    auto i = index_[static_cast<std::size_t>(at)];
    return i == 0 ? nullptr : &all_[i - 1u];
  }

  /// `minor` units of `from` in major units of `to`. The same currency is
  /// exact (no rate is applied).
  static double convert(std::int64_t minor, const currency_rate& from,
                        const currency_rate& to);

  /// Major units of `c` as its minor units, rounded to the nearest.
  static std::int64_t to_minor(double major, const currency_rate& c);

  const std::string& reference() const { return reference_; }
  /// Every currency, in the order of the text.
  const std::vector<currency_rate>& currencies() const { return all_; }
  /// The text the table was parsed from.
  const std::string& text() const { return text_; }

  /// What the service calls this table ("rates-3", "builtin"); set by
  /// whoever keeps the versions.
  const std::string& version() const { return version_; }
  void set_version(std::string v) { version_ = std::move(v); }

private:
  static int slot(char a, char b, char c) {
    auto in = [](char x) { return x >= 'A' && x <= 'Z'; };
    if (!in(a) || !in(b) || !in(c))
      return -1;
    return ((a - 'A') * 26 + (b - 'A')) * 26 + (c - 'A');
  }

  std::vector<currency_rate> all_;
  // 1 + the index in all_ of each code's currency, 0 for none: 17.5 KB a
  // table, one load a lookup.
  std::vector<std::uint8_t> index_ = std::vector<std::uint8_t>(26 * 26 * 26);
  std::string reference_;
  std::string text_;
  std::string version_ = "builtin";
};

/// The text of the built-in table (models/default.rates).
std::string_view default_rates_text();

/// The built-in table, parsed once (the text is checked by a test).
const rates& default_rates();

} // namespace fraud::models
