// A small pull reader for JSON text, enough to read a saved XGBoost model
// (models/xgboost_model.cpp) without a JSON library in models/: the caller
// walks the document it expects, member by member, and skips what it does
// not need. Nothing is built but what the caller keeps.
//
// Numbers are handed over as their text, so that a float is converted once
// (std::from_chars, correctly rounded) and keeps the exact value its writer
// meant. NaN, Infinity and -Infinity are read as numbers, as XGBoost's own
// reader does. Nesting deeper than max_depth is refused, so hostile input
// cannot exhaust the stack.
//
// Not thread-safe; reads from text the caller keeps alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fraud::models {

class json_reader {
public:
  static constexpr int max_depth = 64;

  explicit json_reader(std::string_view text) : text_(text) {
  }

  /// Reads an object; calls `member(key)` with the reader at each member's
  /// value, which the callback must consume (read or skip). False as soon
  /// as anything fails or the callback returns false.
  template <class F>
  bool object(F&& member) {
    if (!enter('{', "an object"))
      return false;
    if (peek() == '}')
      return expect('}') && leave();
    std::string key;
    for (;;) {
      if (!string(key) || !expect(':'))
        return false;
      if (!member(std::string_view{key}))
        return false;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      return expect('}') && leave();
    }
  }

  /// Reads an array; calls `item()` with the reader at each element.
  template <class F>
  bool array(F&& item) {
    if (!enter('[', "an array"))
      return false;
    if (peek() == ']')
      return expect(']') && leave();
    for (;;) {
      if (!item())
        return false;
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      return expect(']') && leave();
    }
  }

  /// A string, its escapes resolved (\uXXXX to UTF-8).
  bool string(std::string& out);
  /// A number's text, checked against the JSON grammar (or NaN/Infinity).
  bool number(std::string_view& text);
  bool number(float& out);
  bool number(double& out);
  /// An integer in the range of `out`.
  bool number(std::int64_t& out);
  /// A string holding a number, as XGBoost writes its parameters ("5E-1").
  bool number_in_string(float& out);
  bool number_in_string(std::int64_t& out);
  /// Any value, read and dropped.
  bool skip();
  /// True when only white space is left.
  bool at_end();

  /// Records a failure at the current position; returns false.
  bool fail(std::string_view what);
  /// Empty unless something failed: what, and the byte offset where.
  const std::string& error() const {
    return error_;
  }

  /// The next character after white space, '\0' at the end.
  char peek();

private:
  bool enter(char open, const char* what);
  bool leave() {
    --depth_;
    return true;
  }
  bool expect(char c);
  bool literal(std::string_view word);

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
};

} // namespace fraud::models
