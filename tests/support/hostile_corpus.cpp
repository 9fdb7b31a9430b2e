#include "tests/support/hostile_corpus.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tests/support/wire_writer.hpp"

namespace fraud::test {

namespace {

bool is_text(field_kind k) {
  return k == field_kind::text || k == field_kind::texts;
}

bool is_number(field_kind k) {
  return !is_text(k);
}

// A field number no request message uses; 2^29 - 1 is the largest there is.
constexpr std::uint64_t unknown_numbers[] = {15,    16,    99,     1000,
                                             19500, 65535, 536870911};

constexpr std::uint64_t extreme_varints[] = {
  0,
  1,
  0x7f,
  0x80,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  0x100000000,
  static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
  static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::min()),
  std::numeric_limits<std::uint64_t>::max(),
  static_cast<std::uint64_t>(-1000),
};

const double extreme_reals[] = {
  std::numeric_limits<double>::quiet_NaN(),
  -std::numeric_limits<double>::quiet_NaN(),
  std::numeric_limits<double>::signaling_NaN(),
  std::numeric_limits<double>::infinity(),
  -std::numeric_limits<double>::infinity(),
  std::numeric_limits<double>::max(),
  std::numeric_limits<double>::lowest(),
  std::numeric_limits<double>::denorm_min(),
  -0.0,
  1e308,
  -91.0,
  181.0,
};

// Byte sequences that are not UTF-8: stray and overlong forms, surrogates,
// beyond U+10FFFF, a sequence cut short.
const char* const not_utf8_pieces[] = {
  "\xff", "\xfe\xff", "\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
  "\xf4\x90\x80\x80", "\xc3", "\xc3\x28", "\xe2\x82", "\xf0\x9f\x98",
};

} // namespace

const char* to_string(input_kind k) {
  switch (k) {
    case input_kind::valid:
      return "valid";
    case input_kind::random_bytes:
      return "random bytes";
    case input_kind::truncated:
      return "truncated";
    case input_kind::bit_flipped:
      return "bit-flipped";
    case input_kind::huge:
      return "huge";
    case input_kind::extreme_number:
      return "extreme number";
    case input_kind::not_utf8:
      return "not UTF-8";
    case input_kind::unknown_fields:
      return "unknown fields";
    case input_kind::nested:
      return "nested/repeated";
  }
  return "?";
}

hostile_corpus::hostile_corpus(std::uint64_t seed,
                               std::vector<field_spec> fields,
                               std::vector<std::string> valid)
  : rng_(seed), fields_(std::move(fields)), valid_(std::move(valid)) {
  if (valid_.empty())
    valid_.emplace_back();
  // Every length of the short ones, and the ends and a sample of the middle
  // of the long ones (a rule text is kilobytes).
  for (std::size_t i = 0; i < valid_.size(); ++i) {
    auto n = valid_[i].size();
    for (std::size_t len = 0; len < n; ++len)
      if (n <= 300 || len < 100 || n - len <= 100 || below(n) < 100)
        cuts_.emplace_back(i, len);
  }
  std::shuffle(cuts_.begin(), cuts_.end(), rng_);
}

std::size_t hostile_corpus::below(std::size_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>{0, n - 1}(rng_);
}

const std::string& hostile_corpus::any_valid() {
  return valid_[below(valid_.size())];
}

const field_spec* hostile_corpus::any_field(bool (*fits)(field_kind)) {
  std::vector<const field_spec*> found;
  for (auto& f : fields_)
    if (fits(f.kind))
      found.push_back(&f);
  return found.empty() ? nullptr : found[below(found.size())];
}

hostile_input hostile_corpus::next() {
  auto slot = made_ % 20;
  bool huge_turn = (made_ / 20) % 2 == 0;
  ++made_;
  switch (slot) {
    case 1:
    case 6:
    case 11:
      return {input_kind::truncated, truncated()};
    case 2:
    case 7:
    case 12:
    case 16:
      return {input_kind::bit_flipped, bit_flipped()};
    case 3:
    case 13:
      return {input_kind::extreme_number, extreme_number()};
    case 4:
    case 14:
      return {input_kind::not_utf8, not_utf8()};
    case 8:
    case 17:
      return {input_kind::unknown_fields, unknown_fields()};
    case 9:
      return {input_kind::nested, nested()};
    case 18:
      return {input_kind::valid, any_valid()};
    case 19:
      if (huge_turn)
        return {input_kind::huge, huge()};
      [[fallthrough]];
    default:
      return {input_kind::random_bytes, random_length_bytes()};
  }
}

std::string hostile_corpus::random_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    auto r = rng_();
    for (std::size_t j = i; j < std::min(n, i + 8); ++j, r >>= 8)
      out[j] = static_cast<char>(r);
  }
  return out;
}

// Every length from 0 to 64 first, then log-uniform up to 256 KiB (the
// huge inputs go further).
std::string hostile_corpus::random_length_bytes() {
  auto k = randoms_++;
  if (k <= 64)
    return random_bytes(k);
  std::uniform_real_distribution<double> exponent{std::log(65.0),
                                                  std::log(256.0 * 1024)};
  return random_bytes(static_cast<std::size_t>(std::exp(exponent(rng_))));
}

std::string hostile_corpus::truncated() {
  if (cuts_.empty())
    return random_bytes(below(8));
  auto [i, len] = cuts_[cut_at_++ % cuts_.size()];
  return valid_[i].substr(0, len);
}

std::string hostile_corpus::bit_flipped() {
  auto out = any_valid();
  if (out.empty())
    return random_bytes(1 + below(8));
  for (auto flips = 1 + below(8); flips > 0; --flips) {
    auto at = below(out.size());
    if (below(4) == 0)
      out[at] = static_cast<char>(below(256));
    else
      out[at] = static_cast<char>(out[at] ^ (1 << below(8)));
  }
  return out;
}

std::string hostile_corpus::huge() {
  wire_writer w{any_valid()};
  switch (below(4)) {
    case 0:
      return random_bytes(huge_field_size
                          + below(max_random_size - huge_field_size + 1));
    case 1: {
      auto* f = any_field(is_text);
      if (f != nullptr && f->kind == field_kind::texts && below(2) == 0) {
        // 20,000 short values: twice the most a list change may carry.
        for (int i = 0; i < 20'000; ++i)
          w.bytes(f->number, "v-" + std::to_string(i));
        return w.str();
      }
      static const char* const fills[] = {"x", "rule a: review when true\n",
                                          "\xc3\xa9", "card-1 "};
      std::string text;
      std::string fill = fills[below(4)];
      while (text.size() < huge_field_size)
        text += fill;
      return w.bytes(f != nullptr ? f->number : 99, text).str();
    }
    case 2:
      return w.bytes(unknown_numbers[below(7)], random_bytes(huge_field_size))
        .str();
    default: {
      // One field given 100,000 times: the last one wins.
      auto* f = any_field(is_number);
      auto number = f != nullptr ? f->number : 99;
      for (int i = 0; i < 100'000; ++i)
        w.varint(number, static_cast<std::uint64_t>(i));
      return w.str();
    }
  }
}

std::string hostile_corpus::extreme_number() {
  wire_writer w{any_valid()};
  for (auto n = 1 + below(3); n > 0; --n) {
    auto* f = any_field(is_number);
    auto number = f != nullptr ? f->number : unknown_numbers[below(7)];
    bool real = f != nullptr && f->kind == field_kind::real;
    switch (below(16)) {
      case 0:  // the other wire type
        if (real)
          w.varint(number, extreme_varints[below(12)]);
        else
          w.real(number, extreme_reals[below(12)]);
        break;
      case 1:  // a varint of eleven bytes: not a varint at all
        w.tag(number, wire_varint).raw(std::string(10, '\xff')).raw("\x01");
        break;
      default:
        if (real)
          w.real(number, extreme_reals[below(12)]);
        else
          w.varint(number, extreme_varints[below(12)]);
    }
  }
  return w.str();
}

std::string hostile_corpus::not_utf8() {
  wire_writer w{any_valid()};
  std::string value = below(2) == 0 ? "card-1" : "";
  for (auto n = 1 + below(3); n > 0; --n)
    value.insert(below(value.size() + 1), not_utf8_pieces[below(11)]);
  auto* f = any_field(is_text);
  if (f == nullptr)
    return w.bytes(unknown_numbers[below(7)], value).str();
  if (f->kind == field_kind::texts && below(2) == 0)
    w.bytes(f->number, "fine");  // a bad value among good ones
  return w.bytes(f->number, value).str();
}

std::string hostile_corpus::unknown_fields() {
  wire_writer w{any_valid()};
  for (auto n = 1 + below(5); n > 0; --n) {
    auto number = unknown_numbers[below(7)];
    switch (below(10)) {
      case 0:
        w.varint(number, rng_());
        break;
      case 1:
        w.fixed64(number, rng_());
        break;
      case 2:
        w.fixed32(number, static_cast<std::uint32_t>(rng_()));
        break;
      case 3:
        w.tag(number, wire_group_start).varint(1, 7).tag(number,
                                                         wire_group_end);
        break;
      case 4:  // a known field with the wrong wire type
        if (!fields_.empty()) {
          auto& f = fields_[below(fields_.size())];
          if (is_text(f.kind))
            w.varint(f.number, rng_());
          else
            w.bytes(f.number, random_bytes(below(16)));
          break;
        }
        [[fallthrough]];
      case 5:  // invalid: field 0, wire types 6 and 7, a stray group end
        switch (below(4)) {
          case 0:
            w.tag(0, wire_varint).raw_varint(1);
            break;
          case 1:
            w.tag(number, 6).raw_varint(1);
            break;
          case 2:
            w.tag(number, 7).raw_varint(1);
            break;
          default:
            w.tag(number, wire_group_end);
        }
        break;
      case 6:  // a length past the end
        w.tag(number, wire_bytes).raw_varint(1 + below(1u << 20)).raw("ab");
        break;
      default:
        w.bytes(number, random_bytes(below(64)));
    }
  }
  return w.str();
}

std::string hostile_corpus::nested() {
  wire_writer w{any_valid()};
  static const std::size_t depths[] = {10, 99, 100, 101, 1000, 20'000};
  auto depth = depths[below(6)];
  switch (below(5)) {
    case 0:  // groups inside groups: the parser recurses into them
      for (std::size_t i = 0; i < depth; ++i)
        w.tag(99, wire_group_start);
      for (std::size_t i = 0; i < depth; ++i)
        w.tag(99, wire_group_end);
      return w.str();
    case 1: {  // messages inside messages, each a length-delimited field
      std::string inner = "\x08\x01";
      for (std::size_t i = 0; i < std::min<std::size_t>(depth, 2000); ++i)
        inner = wire_writer{}.bytes(1 + below(3), inner).str();
      return w.raw(inner).str();
    }
    case 2: {  // a string field given 10,000 times
      auto* f = any_field(is_text);
      for (int i = 0; i < 10'000; ++i)
        w.bytes(f != nullptr ? f->number : 99, std::to_string(i));
      return w.str();
    }
    case 3: {  // around the most values a list change may carry
      auto* f = any_field([](field_kind k) { return k == field_kind::texts; });
      static const int counts[] = {0, 1, 9'999, 10'000, 10'001, 50'000};
      auto count = counts[below(6)];
      for (int i = 0; i < count; ++i)
        w.bytes(f != nullptr ? f->number : 99, "m-" + std::to_string(i));
      return w.str();
    }
    default:  // groups opened and never closed
      for (std::size_t i = 0; i < depth % 97 + 1; ++i)
        w.tag(99, wire_group_start);
      return w.str();
  }
}

} // namespace fraud::test
