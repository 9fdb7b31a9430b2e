#include "protocol/merged_cursor.hpp"

#include <cstdio>

namespace fraud::protocol {

namespace {

fraud::error bad_cursor(const std::string& why) {
  return fraud::error::in_field(fraud::ec::bad_request, "cursor",
                                "not a merged cursor an earlier reply gave: "
                                  + why);
}

bool plain_byte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

void append_escaped(const std::string& s, std::string& out) {
  for (char c : s) {
    if (plain_byte(c)) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X",
                    static_cast<unsigned char>(c));
      out += buf;
    }
  }
}

bool unescape(const std::string& s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      if (!plain_byte(s[i]))
        return false;
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size())
      return false;
    int hi = hex_value(s[i + 1]);
    int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0)
      return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool is_digits(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max
         && s.find_first_not_of("0123456789") == std::string::npos;
}

} // namespace

bool is_merged_cursor(const std::string& cursor) {
  return !cursor.empty() && cursor[0] == 'm';
}

fraud::error parse_merged_cursor(const std::string& text,
                                 merged_cursor& out) {
  out = merged_cursor{};
  if (!is_merged_cursor(text))
    return bad_cursor("it starts with 'm'");
  if (text.size() > max_merged_cursor_bytes)
    return bad_cursor("longer than "
                      + std::to_string(max_merged_cursor_bytes) + " bytes");
  std::vector<std::string> parts;
  std::size_t start = 1;
  for (;;) {
    auto comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  if (!is_digits(parts[0], 18))
    return bad_cursor("no watermark");
  out.watermark_ms = std::stoll(parts[0]);
  if (parts.size() - 1 > max_merged_cursor_positions)
    return bad_cursor("more than "
                      + std::to_string(max_merged_cursor_positions)
                      + " instances");
  for (std::size_t i = 1; i < parts.size(); ++i) {
    auto eq = parts[i].rfind('=');
    if (eq == std::string::npos)
      return bad_cursor("an instance without its position");
    std::string instance;
    auto position = parts[i].substr(eq + 1);
    if (!unescape(parts[i].substr(0, eq), instance))
      return bad_cursor("a badly escaped instance name");
    if (position != merged_cursor::exhausted && !is_digits(position, 18))
      return bad_cursor("a position that is neither digits nor '-'");
    out.positions.emplace_back(std::move(instance), std::move(position));
  }
  return {};
}

std::string to_string(const merged_cursor& c) {
  std::string out = "m" + std::to_string(c.watermark_ms);
  for (auto& [instance, position] : c.positions) {
    out += ',';
    append_escaped(instance, out);
    out += '=';
    out += position;
  }
  return out;
}

instance_position position_of(const merged_cursor& c,
                              const std::string& instance) {
  instance_position out;
  for (auto& [name, position] : c.positions) {
    if (name != instance)
      continue;
    if (position == merged_cursor::exhausted)
      out.done = true;
    else
      out.cursor = std::stoll(position);
    return out;
  }
  // Not named: what it holds newer than the watermark belonged to the
  // pages already shown, which it did not answer.
  out.until_ms = c.watermark_ms + 1;
  return out;
}

} // namespace fraud::protocol
