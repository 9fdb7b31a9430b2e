#include "models/json_reader.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace fraud::models {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of a JSON number at the start of `s`, 0 when there is none.
std::size_t number_length(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    auto from = i;
    while (i < s.size() && is_digit(s[i]))
      ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-')
    ++i;
  if (i < s.size() && s[i] == '0')
    ++i;
  else if (!digits())
    return 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits())
      return 0;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-'))
      ++i;
    if (!digits())
      return 0;
  }
  return i;
}

// from_chars for floating point, and the words XGBoost writes for the
// values JSON has none for.
template <class T>
bool to_floating(std::string_view text, T& out) {
  if (text == "NaN" || text == "-NaN") {
    out = std::numeric_limits<T>::quiet_NaN();
    return true;
  }
  if (text == "Infinity" || text == "-Infinity") {
    out = text[0] == '-' ? -std::numeric_limits<T>::infinity()
                         : std::numeric_limits<T>::infinity();
    return true;
  }
  auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  // Out of range: from_chars leaves `out` alone; an overflow is infinite.
  if (r.ec == std::errc::result_out_of_range && r.ptr == text.data() + text.size()) {
    out = text[0] == '-' ? -std::numeric_limits<T>::infinity()
                         : std::numeric_limits<T>::infinity();
    return true;
  }
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

} // namespace

char json_reader::peek() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
      return c;
    ++pos_;
  }
  return '\0';
}

bool json_reader::fail(std::string_view what) {
  if (error_.empty()) {
    error_ = std::string{what} + " at byte " + std::to_string(pos_);
    if (pos_ >= text_.size())
      error_ += " (the end: the text is cut short)";
  }
  return false;
}

bool json_reader::expect(char c) {
  if (peek() != c)
    return fail(std::string{"expected '"} + c + "'");
  ++pos_;
  return true;
}

bool json_reader::enter(char open, const char* what) {
  if (peek() != open)
    return fail(std::string{"expected "} + what);
  if (++depth_ > max_depth)
    return fail("nested too deeply");
  ++pos_;
  return true;
}

bool json_reader::literal(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word)
    return fail("expected a value");
  pos_ += word.size();
  return true;
}

bool json_reader::string(std::string& out) {
  out.clear();
  if (peek() != '"')
    return fail("expected a string");
  ++pos_;
  while (pos_ < text_.size()) {
    char c = text_[pos_++];
    if (c == '"')
      return true;
    if (static_cast<unsigned char>(c) < 0x20)
      return fail("a control character in a string");
    if (c != '\\') {
      out += c;
      continue;
    }
    if (pos_ >= text_.size())
      break;
    char e = text_[pos_++];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto hex4 = [&](std::uint32_t& v) {
          if (pos_ + 4 > text_.size())
            return false;
          v = 0;
          for (int i = 0; i < 4; ++i) {
            int h = hex_value(text_[pos_ + i]);
            if (h < 0)
              return false;
            v = v * 16 + static_cast<std::uint32_t>(h);
          }
          pos_ += 4;
          return true;
        };
        std::uint32_t cp = 0;
        if (!hex4(cp))
          return fail("a bad \\u escape");
        if (cp >= 0xD800 && cp < 0xDC00) {
          std::uint32_t low = 0;
          if (text_.substr(pos_, 2) != "\\u")
            return fail("a lone surrogate in \\u escapes");
          pos_ += 2;
          if (!hex4(low) || low < 0xDC00 || low >= 0xE000)
            return fail("a lone surrogate in \\u escapes");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return fail("a lone surrogate in \\u escapes");
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return fail("a bad escape in a string");
    }
  }
  return fail("an unterminated string");
}

bool json_reader::number(std::string_view& text) {
  peek();
  auto rest = text_.substr(pos_);
  for (std::string_view word : {"NaN", "-NaN", "Infinity", "-Infinity"}) {
    if (rest.substr(0, word.size()) == word) {
      text = rest.substr(0, word.size());
      pos_ += word.size();
      return true;
    }
  }
  auto n = number_length(rest);
  if (n == 0)
    return fail("expected a number");
  text = rest.substr(0, n);
  pos_ += n;
  return true;
}

bool json_reader::number(float& out) {
  std::string_view t;
  if (!number(t))
    return false;
  return to_floating(t, out) || fail("a number out of range");
}

bool json_reader::number(double& out) {
  std::string_view t;
  if (!number(t))
    return false;
  return to_floating(t, out) || fail("a number out of range");
}

bool json_reader::number(std::int64_t& out) {
  std::string_view t;
  if (!number(t))
    return false;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  if (r.ec != std::errc{} || r.ptr != t.data() + t.size())
    return fail("expected an integer");
  return true;
}

bool json_reader::number_in_string(float& out) {
  std::string s;
  if (!string(s))
    return false;
  if (number_length(s) != s.size() || !to_floating(std::string_view{s}, out))
    return fail("expected a number in a string");
  return true;
}

bool json_reader::number_in_string(std::int64_t& out) {
  std::string s;
  if (!string(s))
    return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size())
    return fail("expected an integer in a string");
  return true;
}

bool json_reader::skip() {
  switch (peek()) {
    case '{':
      return object([this](std::string_view) { return skip(); });
    case '[':
      return array([this] { return skip(); });
    case '"': {
      std::string ignored;
      return string(ignored);
    }
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    case '\0':
      return fail("expected a value");
    default: {
      std::string_view ignored;
      return number(ignored);
    }
  }
}

bool json_reader::at_end() {
  return peek() == '\0' && pos_ == text_.size();
}

} // namespace fraud::models
