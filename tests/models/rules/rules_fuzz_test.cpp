// Random rule texts: the parser and compiler never crash on any input, and
// compiled conditions decide as a direct reading of the condition does.
// Bounded and seeded, so it is fast and repeatable.
#include <cmath>
#include <functional>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "models/rules/compiled_ruleset.hpp"

namespace fraud::models::rules {
namespace {

class random_text {
public:
  explicit random_text(std::uint64_t seed) : rng_(seed) {}

  int below(int n) { return std::uniform_int_distribution<int>{0, n - 1}(rng_); }

  // Words and symbols of the language, and some that are not.
  std::string tokens(int n) {
    static const char* words[] = {
      "rule", "score", "threshold", "when", "shadow", "and", "or", "not",
      "in", "list", "true", "false", "value", "limit", "say", "review",
      "decline", "allow", "amount", "channel", "ECOM", "country", "mcc",
      "new_device", "card_id", "speed_kmh", "x", ":", ",", "(", ")", "[",
      "]", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "=", "!",
      "5", "0.5", "100", "\"US\"", "'a'", "\"{amount}\"", "\"{x\"", "#",
      "\n", "@", "&&", "\"", "9999999999999999999999999999999999999999999",
      "\\", "{", "}", "\t"};
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += words[below(sizeof(words) / sizeof(words[0]))];
      out += below(4) == 0 ? "" : " ";
    }
    return out;
  }

  std::string bytes(int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
      out.push_back(static_cast<char>(below(256)));
    return out;
  }

  std::string mutate(std::string text) {
    for (int k = below(4) + 1; k > 0 && !text.empty(); --k) {
      auto at = static_cast<std::size_t>(below(static_cast<int>(text.size())));
      switch (below(4)) {
        case 0:
          text.erase(at, static_cast<std::size_t>(below(20)));
          break;
        case 1:
          text.insert(at, tokens(below(3) + 1));
          break;
        case 2:
          text[at] = static_cast<char>(below(128));
          break;
        default: {  // repeat a piece elsewhere
          auto len = static_cast<std::size_t>(below(40));
          auto piece = text.substr(at, len);
          text.insert(static_cast<std::size_t>(below(static_cast<int>(text.size()))),
                      piece);
        }
      }
    }
    return text;
  }

  features any_features() {
    features f;
    f.amount = below(3) == 0 ? 0 : std::ldexp(below(1000), below(10) - 3);
    f.channel = static_cast<channel>(below(3) + 1);
    f.mcc = static_cast<std::uint32_t>(below(10000));
    f.country[0] = static_cast<char>('A' + below(3));
    f.country[1] = 'S';
    f.card_present = below(2) == 0;
    f.tx_count = static_cast<std::uint32_t>(below(20));
    f.speed_kmh = below(2000);
    f.amount_z = below(5) == 0 ? std::nan("") : below(10) - 5;
    f.new_device = below(2) == 0;
    f.count_1h = static_cast<std::uint32_t>(below(15));
    f.card_id = below(2) == 0 ? "card-1" : "card-2";
    return f;
  }

private:
  std::mt19937_64 rng_;
};

// Compiles `text` and, when it compiles, evaluates it: neither may crash,
// and every error must point into the text.
void exercise(const std::string& text, random_text& r) {
  auto c = compile(text);
  for (auto& e : c.errors) {
    ASSERT_GE(e.line, 1) << text;
    ASSERT_GE(e.column, 1) << text;
    ASSERT_FALSE(e.message.empty());
  }
  if (!c.program)
    return;
  named_lists::map_type m;
  m["x"] = {"card-1"};
  compiled_ruleset rs{c.program, std::make_shared<named_lists>(std::move(m)),
                      "fuzz"};
  evaluation e;
  for (int i = 0; i < 4; ++i) {
    rs.evaluate(r.any_features(), e);
    ASSERT_GE(e.score, 0);
    ASSERT_LE(e.score, 100);
  }
}

TEST(rules_fuzz, random_token_soup_never_crashes) {
  random_text r{11};
  for (int i = 0; i < 3000; ++i)
    exercise(r.tokens(r.below(60)), r);
}

TEST(rules_fuzz, random_bytes_never_crash) {
  random_text r{12};
  for (int i = 0; i < 1000; ++i)
    exercise(r.bytes(r.below(300)), r);
}

TEST(rules_fuzz, mutations_of_valid_rules_never_crash) {
  random_text r{13};
  std::string base{default_rules_text()};
  base += "\nrule w: shadow decline when (channel in [ECOM, ATM] or mcc in "
          "[6051, 6211]) and not card_id in list x and country != "
          "home_country say \"{amount:2} at {merchant_id}\"\n";
  ASSERT_TRUE(compile(base).program);
  int compiled = 0;
  for (int i = 0; i < 2000; ++i) {
    auto text = r.mutate(base);
    exercise(text, r);
    compiled += compile(text).program != nullptr;
  }
  EXPECT_GT(compiled, 50);  // the mutations also reach the evaluator
}

// A random condition over a few features, as text and as a tree the test
// evaluates directly: the compiled branching program must agree.
struct condition {
  std::string text;
  std::function<bool(const features&)> eval;
};

condition random_condition(random_text& r, int depth) {
  if (depth == 0 || r.below(3) == 0) {
    switch (r.below(6)) {
      case 0: {
        double k = r.below(12) * 100 - 100;
        return {"speed_kmh > " + std::to_string(static_cast<int>(k)),
                [k](const features& f) { return f.speed_kmh > k; }};
      }
      case 1: {
        int k = r.below(12);
        return {"tx_count >= " + std::to_string(k),
                [k](const features& f) { return f.tx_count >= static_cast<unsigned>(k); }};
      }
      case 2: {
        int k = r.below(15);
        return {"count_1h < " + std::to_string(k),
                [k](const features& f) { return f.count_1h < static_cast<unsigned>(k); }};
      }
      case 3:
        return {"new_device", [](const features& f) { return f.new_device; }};
      case 4:
        return {"channel == ECOM",
                [](const features& f) { return f.channel == channel::ecom; }};
      default: {
        int k = r.below(6) - 3;
        return {"amount_z != " + std::to_string(k),
                [k](const features& f) { return f.amount_z != k; }};
      }
    }
  }
  auto a = random_condition(r, depth - 1);
  auto b = random_condition(r, depth - 1);
  switch (r.below(4)) {
    case 0:
      return {"(" + a.text + " and " + b.text + ")",
              [a, b](const features& f) { return a.eval(f) && b.eval(f); }};
    case 1:
      return {"(" + a.text + " or " + b.text + ")",
              [a, b](const features& f) { return a.eval(f) || b.eval(f); }};
    case 2:
      return {"not " + a.text,
              [a](const features& f) { return !a.eval(f); }};
    default:
      return {"((" + a.text + ") == (" + b.text + "))",
              [a, b](const features& f) { return a.eval(f) == b.eval(f); }};
  }
}

TEST(rules_fuzz, compiled_conditions_decide_as_read) {
  random_text r{14};
  for (int i = 0; i < 400; ++i) {
    // several rules, so that tests shared between rules are exercised too
    std::vector<condition> conds;
    std::string text;
    for (int k = 0; k < 4; ++k) {
      conds.push_back(random_condition(r, 4));
      text += "rule r" + std::to_string(k) + ": review when "
              + conds.back().text + "\n";
    }
    auto c = compile(text);
    ASSERT_TRUE(c.program) << text << to_string(c.errors.at(0));
    compiled_ruleset rs{c.program, nullptr, "fuzz"};
    evaluation e;
    for (int j = 0; j < 30; ++j) {
      auto f = r.any_features();
      rs.evaluate(f, e);
      std::string got, want;
      for (auto& x : e.reasons)
        got += x.rule + " ";
      for (std::size_t k = 0; k < conds.size(); ++k)
        if (conds[k].eval(f))
          want += "r" + std::to_string(k) + " ";
      ASSERT_EQ(got, want) << text;
    }
  }
}

} // namespace
} // namespace fraud::models::rules
