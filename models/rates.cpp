#include "models/rates.hpp"

#include <cmath>
#include <cstdlib>

namespace fraud::models {

namespace {

constexpr double pow10[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};
constexpr int max_exponent = 4;  // ISO 4217's largest (CLF, UYW)

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'
                               || line[i] == '\r'))
      ++i;
    auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t'
           && line[i] != '\r')
      ++i;
    if (i > start)
      out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool currency_code(std::string_view w) {
  return w.size() == 3 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'A'
         && w[1] <= 'Z' && w[2] >= 'A' && w[2] <= 'Z';
}

// A plain decimal number (digits, at most one point): no signs, exponents,
// hex or "inf" that strtod would also take.
bool decimal(std::string_view w, double& out) {
  if (w.empty() || w.size() > 32)
    return false;
  int points = 0;
  int digits = 0;
  for (char c : w) {
    if (c == '.')
      ++points;
    else if (c >= '0' && c <= '9')
      ++digits;
    else
      return false;
  }
  if (points > 1 || digits == 0)
    return false;
  std::string copy{w};
  out = std::strtod(copy.c_str(), nullptr);
  return std::isfinite(out);
}

} // namespace

expected<rates> rates::parse(std::string_view text) {
  if (text.size() > max_text_bytes)
    return error{ec::limit_exceeded,
                 "a rates text is at most " + std::to_string(max_text_bytes)
                   + " bytes; this one is " + std::to_string(text.size())};
  rates out;
  out.text_ = std::string{text};
  std::string problems;
  auto problem = [&](std::size_t line, const std::string& what) {
    if (!problems.empty())
      problems += '\n';
    problems += "line " + std::to_string(line) + ": " + what;
  };
  std::size_t reference_line = 0;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    auto words = words_of(line);
    if (words.empty())
      continue;
    if (words[0] == "reference") {
      if (words.size() != 2 || !currency_code(words[1]))
        problem(line_no, "expected 'reference' and a currency code, e.g. "
                         "'reference EUR'");
      else if (reference_line != 0)
        problem(line_no, "a second reference currency (the first is on line "
                           + std::to_string(reference_line) + ")");
      else {
        out.reference_ = std::string{words[1]};
        reference_line = line_no;
      }
      continue;
    }
    if (words.size() != 3) {
      problem(line_no, "expected a currency code, its minor-unit exponent "
                       "and its rate, e.g. 'JPY 0 162.5'; found "
                         + std::to_string(words.size()) + " words");
      continue;
    }
    if (!currency_code(words[0])) {
      problem(line_no, "expected an ISO 4217 code of three upper-case "
                       "letters, found '" + std::string{words[0]} + "'");
      continue;
    }
    double exponent = 0;
    if (!decimal(words[1], exponent) || exponent != std::floor(exponent)
        || exponent > max_exponent) {
      problem(line_no, std::string{words[0]}
                         + ": expected a minor-unit exponent from 0 to "
                         + std::to_string(max_exponent) + ", found '"
                         + std::string{words[1]} + "'");
      continue;
    }
    double rate = 0;
    if (!decimal(words[2], rate) || rate <= 0) {
      problem(line_no, std::string{words[0]}
                         + ": expected a rate above 0 (units per unit of the "
                           "reference), found '"
                         + std::string{words[2]} + "'");
      continue;
    }
    auto at = static_cast<std::size_t>(slot(words[0][0], words[0][1],
                                            words[0][2]));
    if (out.index_[at] != 0) {
      problem(line_no, std::string{words[0]} + " is listed twice");
      continue;
    }
    if (out.all_.size() == max_currencies) {
      problem(line_no, "a table holds at most "
                         + std::to_string(max_currencies) + " currencies");
      continue;
    }
    currency_rate c;
    c.code = {words[0][0], words[0][1], words[0][2]};
    c.exponent = static_cast<std::uint8_t>(exponent);
    c.per_reference = rate;
    out.all_.push_back(c);
    out.index_[at] = static_cast<std::uint8_t>(out.all_.size());
  }
  if (reference_line == 0) {
    problem(line_no, "no reference currency: name it, e.g. 'reference EUR'");
  } else if (auto* ref = out.find(out.reference_); ref == nullptr) {
    problem(reference_line, "the reference currency " + out.reference_
                              + " is not listed (list it with the rate 1)");
  } else if (ref->per_reference != 1) {
    problem(reference_line, "the reference currency " + out.reference_
                              + " must have the rate 1");
  }
  if (!problems.empty())
    return error{ec::bad_request, std::move(problems)};
  return out;
}

double rates::convert(std::int64_t minor, const currency_rate& from,
                      const currency_rate& to) {
  auto major = static_cast<double>(minor) / pow10[from.exponent];
  if (&from == &to || from.code == to.code)
    return major;
  return major / from.per_reference * to.per_reference;
}

std::int64_t rates::to_minor(double major, const currency_rate& c) {
  return std::llround(major * pow10[c.exponent]);
}

const rates& default_rates() {
  static const rates table = [] {
    auto parsed = rates::parse(default_rates_text());
    // A test parses the built-in text; a build where it does not parse
    // has no rates at all rather than wrong ones.
    return parsed ? std::move(*parsed) : rates{};
  }();
  return table;
}

} // namespace fraud::models
