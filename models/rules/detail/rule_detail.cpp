#include "models/rules/detail/rule_detail.hpp"

namespace fraud::models::rules {

namespace {

void add_text(std::vector<detail_part>& parts, std::string_view text) {
  if (text.empty())
    return;
  if (!parts.empty() && parts.back().what == detail_part::kind::text) {
    parts.back().text += text;
    return;
  }
  detail_part p;
  p.text = std::string{text};
  parts.push_back(std::move(p));
}

// One {placeholder}: the text between the braces.
bool add_placeholder(std::vector<detail_part>& parts, std::string_view inner,
                     position at, std::vector<rule_diagnostic>& errors) {
  detail_part p;
  auto colon = inner.find(':');
  auto name = inner.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto digits = inner.substr(colon + 1);
    if (digits.size() != 1 || digits[0] < '0' || digits[0] > '9') {
      errors.push_back(error_at(at, "expected one digit (decimals) after ':' "
                                    "in {" + std::string{inner} + "}"));
      return false;
    }
    p.decimals = digits[0] - '0';
  }
  if (name == "value") {
    p.what = detail_part::kind::value;
  } else if (name == "limit") {
    p.what = detail_part::kind::limit;
  } else if (auto* f = find_feature(name)) {
    p.what = detail_part::kind::feature;
    p.feature = f;
  } else {
    errors.push_back(error_at(at, "expected a feature, value or limit in "
                                  "{...}, found '" + std::string{name}
                                    + "'"));
    return false;
  }
  parts.push_back(std::move(p));
  return true;
}

} // namespace

std::vector<detail_part> compile_say(std::string_view say, position at,
                                     std::vector<rule_diagnostic>& errors) {
  std::vector<detail_part> parts;
  std::size_t i = 0;
  auto where = [&](std::size_t offset) {
    // +1 for the opening quote; escapes before it shift this a little
    return position{at.line, at.column + 1 + static_cast<int>(offset)};
  };
  while (i < say.size()) {
    auto brace = say.find_first_of("{}", i);
    if (brace == std::string_view::npos) {
      add_text(parts, say.substr(i));
      break;
    }
    add_text(parts, say.substr(i, brace - i));
    if (brace + 1 < say.size() && say[brace + 1] == say[brace]) {
      add_text(parts, say.substr(brace, 1));  // {{ or }}
      i = brace + 2;
      continue;
    }
    if (say[brace] == '}') {
      errors.push_back(error_at(where(brace), "expected '}}' for a brace in "
                                              "the text, found a lone '}'"));
      return {};
    }
    auto close = say.find('}', brace + 1);
    if (close == std::string_view::npos) {
      errors.push_back(error_at(where(brace), "expected '}' to close this "
                                              "'{'"));
      return {};
    }
    if (!add_placeholder(parts, say.substr(brace + 1, close - brace - 1),
                         where(brace), errors))
      return {};
    i = close + 1;
  }
  return parts;
}

std::vector<detail_part>
default_detail(const std::string& condition_text,
               const std::vector<const feature_info*>& read) {
  std::vector<detail_part> parts;
  if (condition_text.size() > max_condition_in_detail) {
    add_text(parts, std::string_view{condition_text}.substr(
                      0, max_condition_in_detail - 3));
    add_text(parts, "...");
  } else {
    add_text(parts, condition_text);
  }
  const char* separator = ": ";
  for (auto* f : read) {
    add_text(parts, separator);
    add_text(parts, f->name);
    add_text(parts, "=");
    detail_part p;
    p.what = detail_part::kind::feature;
    p.feature = f;
    parts.push_back(std::move(p));
    separator = ", ";
  }
  return parts;
}

} // namespace fraud::models::rules
