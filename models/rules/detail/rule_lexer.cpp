#include "models/rules/detail/rule_lexer.hpp"

#include <cmath>
#include <cstdlib>

namespace fraud::models::rules {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A character for an error message: printable as itself, else as a code.
std::string quoted(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f)
    return std::string{"'"} + c + "'";
  static const char hex[] = "0123456789abcdef";
  return std::string{"byte 0x"} + hex[u >> 4] + hex[u & 15];
}

class lexer {
public:
  explicit lexer(std::string_view text) : text_(text) {}

  lexed run() {
    lexed out;
    for (;;) {
      skip_space();
      token t;
      t.at = here();
      if (i_ >= text_.size()) {
        out.tokens.push_back(std::move(t));
        break;
      }
      if (next(t, out.errors))
        out.tokens.push_back(std::move(t));
    }
    return out;
  }

private:
  position here() const {
    return position{line_, static_cast<int>(i_ - line_start_) + 1};
  }

  void advance() {
    if (text_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  void skip_space() {
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (c == '#') {
        while (i_ < text_.size() && text_[i_] != '\n')
          ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else {
        return;
      }
    }
  }

  // One token into `t`; false (and an error) when the text there is none.
  bool next(token& t, std::vector<rule_diagnostic>& errors) {
    auto start = i_;
    char c = text_[i_];
    auto two = [&](char second) {
      return i_ + 1 < text_.size() && text_[i_ + 1] == second;
    };
    auto symbol = [&](token_kind k, std::size_t n) {
      t.kind = k;
      t.text = text_.substr(start, n);
      i_ += n;
      return true;
    };
    if (is_alpha(c)) {
      // A dot joins words into one name: an entity's features
      // (device.cards_1h, merchant.small_cnp_cards_10m).
      while (i_ < text_.size()
             && (is_alpha(text_[i_]) || is_digit(text_[i_])
                 || (text_[i_] == '.' && i_ + 1 < text_.size()
                     && is_alpha(text_[i_ + 1]))))
        ++i_;
      t.kind = token_kind::identifier;
      t.text = text_.substr(start, i_ - start);
      return true;
    }
    if (is_digit(c))
      return number(t, errors);
    switch (c) {
      case '"':
      case '\'':
        return string(t, errors);
      case ':':
        return symbol(token_kind::colon, 1);
      case ',':
        return symbol(token_kind::comma, 1);
      case '(':
        return symbol(token_kind::lparen, 1);
      case ')':
        return symbol(token_kind::rparen, 1);
      case '[':
        return symbol(token_kind::lbracket, 1);
      case ']':
        return symbol(token_kind::rbracket, 1);
      case '+':
        return symbol(token_kind::plus, 1);
      case '-':
        return symbol(token_kind::minus, 1);
      case '*':
        return symbol(token_kind::star, 1);
      case '/':
        return symbol(token_kind::slash, 1);
      case '=':
        if (two('='))
          return symbol(token_kind::eq, 2);
        errors.push_back(error_at(t.at, "expected '==' to compare, found '='"));
        ++i_;
        return false;
      case '!':
        if (two('='))
          return symbol(token_kind::ne, 2);
        errors.push_back(error_at(t.at, "expected '!=', found '!' (negation "
                                        "is the word 'not')"));
        ++i_;
        return false;
      case '<':
        return two('=') ? symbol(token_kind::le, 2) : symbol(token_kind::lt, 1);
      case '>':
        return two('=') ? symbol(token_kind::ge, 2) : symbol(token_kind::gt, 1);
      case '&':
      case '|':
        errors.push_back(error_at(t.at, "expected a rule, an operator or a "
                                        "value, found " + quoted(c)
                                          + " (write 'and', 'or')"));
        i_ += two(c) ? 2 : 1;
        return false;
    }
    errors.push_back(error_at(t.at, "expected a rule, an operator or a value, "
                                    "found " + quoted(c)));
    ++i_;
    return false;
  }

  bool number(token& t, std::vector<rule_diagnostic>& errors) {
    auto start = i_;
    while (i_ < text_.size() && is_digit(text_[i_]))
      ++i_;
    if (i_ < text_.size() && text_[i_] == '.') {
      ++i_;
      if (i_ >= text_.size() || !is_digit(text_[i_])) {
        errors.push_back(error_at(here(), "expected a digit after the "
                                          "decimal point"));
        return false;
      }
      while (i_ < text_.size() && is_digit(text_[i_]))
        ++i_;
    }
    t.kind = token_kind::number;
    t.text = text_.substr(start, i_ - start);
    if (i_ < text_.size() && is_alpha(text_[i_])) {
      errors.push_back(error_at(t.at, "a number cannot run into a word: "
                                      "expected a space or an operator "
                                      "after '" + std::string{t.text} + "'"));
      while (i_ < text_.size() && (is_alpha(text_[i_]) || is_digit(text_[i_])))
        ++i_;
      return false;
    }
    if (t.text.size() > 40) {
      errors.push_back(error_at(t.at, "expected a number of at most 40 "
                                      "characters"));
      return false;
    }
    std::string copy{t.text};
    t.number = std::strtod(copy.c_str(), nullptr);
    if (!std::isfinite(t.number)) {
      errors.push_back(error_at(t.at, "number out of range"));
      return false;
    }
    return true;
  }

  bool string(token& t, std::vector<rule_diagnostic>& errors) {
    auto start = i_;
    char quote = text_[i_++];
    while (i_ < text_.size() && text_[i_] != quote && text_[i_] != '\n') {
      char c = text_[i_];
      if (c == '\\') {
        if (i_ + 1 < text_.size()
            && (text_[i_ + 1] == quote || text_[i_ + 1] == '\\')) {
          t.value.push_back(text_[i_ + 1]);
          i_ += 2;
          continue;
        }
        errors.push_back(error_at(here(), "expected \\" + std::string{quote}
                                            + " or \\\\ after a backslash"));
        ++i_;
        continue;
      }
      t.value.push_back(c);
      ++i_;
    }
    if (i_ >= text_.size() || text_[i_] != quote) {
      errors.push_back(error_at(t.at, "expected the closing "
                                        + std::string{quote}
                                        + " of this string on the same line"));
      return false;
    }
    ++i_;
    t.kind = token_kind::string;
    t.text = text_.substr(start, i_ - start);
    return true;
  }

  std::string_view text_;
  std::size_t i_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
};

} // namespace

std::string describe(const token& t) {
  switch (t.kind) {
    case token_kind::end:
      return "the end of the text";
    case token_kind::identifier:
      return "'" + std::string{t.text} + "'";
    case token_kind::number:
      return "the number " + std::string{t.text};
    case token_kind::string:
      return "the string " + std::string{t.text};
    default:
      return "'" + std::string{t.text} + "'";
  }
}

lexed lex(std::string_view text) {
  return lexer{text}.run();
}

} // namespace fraud::models::rules
