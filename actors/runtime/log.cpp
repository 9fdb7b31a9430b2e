#include "actors/runtime/log.hpp"

#include <chrono>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace fraud::log {

namespace {

constexpr const char* pattern = "%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v";
// --log-format json: one object a line; %* is the message, escaped.
constexpr const char* json_pattern =
  R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","component":"%n","message":"%*"})";

// The message as the inside of a JSON string.
class json_escaped_message final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    thread_local std::string escaped;
    escaped.clear();
    json_escape({msg.payload.data(), msg.payload.size()}, escaped);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_escaped_message>();
  }
};

// The length of the UTF-8 sequence at s[i], or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  auto c = byte(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3
                             : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xc0) != 0x80)
      return 0;
  if ((n == 2 && c < 0xc2) || (n == 3 && c == 0xe0 && byte(i + 1) < 0xa0)
      || (n == 3 && c == 0xed && byte(i + 1) >= 0xa0)
      || (n == 4 && c == 0xf0 && byte(i + 1) < 0x90)
      || (n == 4 && (c > 0xf4 || (c == 0xf4 && byte(i + 1) >= 0x90))))
    return 0;
  return n;
}

std::atomic<bool> json_lines{false};

std::unique_ptr<spdlog::formatter> make_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>(
    spdlog::pattern_time_type::utc);
  f->add_flag<json_escaped_message>('*');
  f->set_pattern(json_lines.load() ? json_pattern : pattern);
  return f;
}

// All components share one sink, so their lines never interleave.
spdlog::sink_ptr shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

std::mutex registry_mtx;  // guards the creation of component loggers
std::atomic<int> current_level{spdlog::level::info};

} // namespace

spdlog::logger& component(const char* name) {
  if (auto existing = spdlog::get(name))
    return *existing;
  std::lock_guard<std::mutex> guard{registry_mtx};
  if (auto existing = spdlog::get(name))
    return *existing;
  auto made = std::make_shared<spdlog::logger>(name, shared_sink());
  made->set_formatter(make_formatter());
  made->set_level(static_cast<spdlog::level::level_enum>(current_level.load()));
  spdlog::register_logger(made);
  return *made;
}

bool configure_logging(const std::string& level) {
  auto l = spdlog::level::from_str(level);
  // from_str answers "off" for a name it does not know.
  if (l == spdlog::level::off && level != "off")
    return false;
  current_level = l;
  spdlog::set_level(l);  // every logger registered so far
  return true;
}

void json_escape(std::string_view s, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    auto n = utf8_length(s, i);
    if (n == 0) {
      out += "\\ufffd";  // not UTF-8: the replacement character
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.data() + i, n);
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
    i += n;
  }
}

bool configure_log_format(const std::string& format) {
  if (format != "text" && format != "json")
    return false;
  std::lock_guard<std::mutex> guard{registry_mtx};
  json_lines = format == "json";
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) {
    l->set_formatter(make_formatter());
  });
  return true;
}

std::int64_t log_limiter::admit(std::int64_t now_ns) {
  constexpr std::int64_t minute = 60'000'000'000;
  auto this_minute = static_cast<std::uint64_t>(now_ns / minute) << 32;
  auto seen = window_.load(std::memory_order_relaxed);
  for (;;) {
    bool same_minute = (seen & ~0xffffffffull) == this_minute;
    auto admitted = same_minute ? seen & 0xffffffffull : 0;
    if (admitted >= per_minute_) {
      suppressed_.fetch_add(1, std::memory_order_relaxed);
      return -1;
    }
    if (window_.compare_exchange_weak(seen, this_minute | (admitted + 1),
                                      std::memory_order_relaxed))
      break;
  }
  return static_cast<std::int64_t>(
    suppressed_.exchange(0, std::memory_order_relaxed));
}

std::int64_t log_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace fraud::log
