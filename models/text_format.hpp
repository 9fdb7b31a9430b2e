// Numbers and sentences into a string as printf would write them, without
// printf's cost per call: reason texts are made on the scoring path, for
// every rule that fires (BENCHMARKS.md: ~10 % of a routing thread's time
// went to snprintf("%f")). std::to_chars promises printf's digits.
#pragma once

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace fraud::models {

/// As printf's "%.*f" writes x with `decimals` decimals.
inline void append_fixed(double x, int decimals, std::string& out) {
  char buf[352];  // the longest double in fixed notation, and 9 decimals
  auto res = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed,
                           decimals);
  if (res.ec == std::errc{})
    out.append(buf, res.ptr);
}

namespace detail {

// Copies fmt up to its next conversion, "%%" as '%'; returns the
// conversion's start ('%'), or the end of fmt.
inline const char* copy_literal(const char* fmt, std::string& out) {
  for (;;) {
    const char* pct = std::strchr(fmt, '%');
    if (pct == nullptr) {
      out.append(fmt);
      return fmt + std::strlen(fmt);
    }
    out.append(fmt, pct);
    if (pct[1] != '%')
      return pct;
    out.push_back('%');
    fmt = pct + 2;
  }
}

template <class T>
void append_arg(char conversion, int decimals, T x, std::string& out) {
  if constexpr (std::is_convertible_v<T, std::string_view>) {
    out.append(std::string_view{x});
  } else if constexpr (std::is_integral_v<T>) {
    if (conversion == 'f') {
      append_fixed(static_cast<double>(x), decimals, out);
    } else {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), x);
      out.append(buf, res.ptr);
    }
  } else {
    static_assert(std::is_floating_point_v<T>, "say() takes numbers, strings");
    append_fixed(static_cast<double>(x), decimals, out);
  }
}

inline void format_into(const char* fmt, std::string& out) {
  copy_literal(fmt, out);
}

template <class T, class... Ts>
void format_into(const char* fmt, std::string& out, T x, Ts... rest) {
  fmt = copy_literal(fmt, out);
  if (*fmt == '\0')
    return;  // more arguments than conversions: the rest are unused
  ++fmt;     // '%'
  int decimals = 6;  // printf's default for %f
  if (*fmt == '.') {
    decimals = 0;
    for (++fmt; *fmt >= '0' && *fmt <= '9'; ++fmt)
      decimals = decimals * 10 + (*fmt - '0');
  }
  char conversion = *fmt;
  if (conversion != '\0')
    ++fmt;
  append_arg(conversion, decimals, x, out);
  format_into(fmt, out, rest...);
}

} // namespace detail

/// A sentence from a printf-style format with the conversions "%.Nf" and
/// "%f" (numbers), "%u" (integers) and "%s" (strings), and "%%": the text
/// snprintf would write, made with std::to_chars.
template <class... Ts>
std::string say(const char* fmt, Ts... xs) {
  std::string out;
  out.reserve(128);
  detail::format_into(fmt, out, xs...);
  return out;
}

} // namespace fraud::models
