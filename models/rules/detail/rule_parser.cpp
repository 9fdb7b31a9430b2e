#include "models/rules/detail/rule_parser.hpp"

#include <cmath>
#include <set>

#include "models/rules/detail/rule_lexer.hpp"

namespace fraud::models::rules {

const char* to_string(cmp_op op) {
  switch (op) {
    case cmp_op::eq:
      return "==";
    case cmp_op::ne:
      return "!=";
    case cmp_op::lt:
      return "<";
    case cmp_op::le:
      return "<=";
    case cmp_op::gt:
      return ">";
    case cmp_op::ge:
      return ">=";
  }
  return "?";
}

namespace {

constexpr std::size_t max_set_size = 10'000;
constexpr std::size_t max_name_size = 64;
constexpr int max_operators = 400;  // per rule

bool is_keyword(std::string_view w) {
  static const std::set<std::string_view> words{
    "rule", "score", "threshold", "when", "shadow", "and", "or",
    "not",  "in",    "list",      "true", "false",  "value", "limit",
    "say",  "review", "decline",  "allow"};
  return words.count(w) > 0;
}

bool starts_statement(const token& t) {
  return t.kind == token_kind::identifier
         && (t.text == "rule" || t.text == "score" || t.text == "threshold");
}

class parser {
public:
  parser(std::string_view text, std::size_t max_errors)
    : lexed_(lex(text)), max_errors_(max_errors) {
    errors_ = std::move(lexed_.errors);
    if (errors_.size() > max_errors_)
      errors_.resize(max_errors_);
  }

  parsed run() {
    std::set<std::string> names;
    while (peek().kind != token_kind::end && errors_.size() < max_errors_) {
      failed_ = false;
      auto start = pos_;
      statement(names);
      if (failed_)
        skip_to_statement(start);
    }
    return parsed{std::move(source_), std::move(errors_)};
  }

private:
  const token& peek(std::size_t ahead = 0) const {
    auto i = std::min(pos_ + ahead, lexed_.tokens.size() - 1);
    return lexed_.tokens[i];
  }

  const token& take() {
    const token& t = peek();
    if (pos_ + 1 < lexed_.tokens.size())
      ++pos_;
    return t;
  }

  bool is_word(const char* w, std::size_t ahead = 0) const {
    auto& t = peek(ahead);
    return t.kind == token_kind::identifier && t.text == w;
  }

  bool accept_word(const char* w) {
    if (!is_word(w))
      return false;
    take();
    return true;
  }

  // Records an error at the current token; the statement is abandoned.
  std::nullptr_t fail(const std::string& expected) {
    return fail_at(peek().at, "expected " + expected + ", found "
                                + describe(peek()));
  }

  std::nullptr_t fail_at(position at, std::string message) {
    if (!failed_ && errors_.size() < max_errors_)
      errors_.push_back(error_at(at, std::move(message)));
    failed_ = true;
    return nullptr;
  }

  // After an error: on to the next statement. At least one token past
  // `start`, so that a bad statement keyword cannot loop.
  void skip_to_statement(std::size_t start) {
    if (pos_ == start && peek().kind != token_kind::end)
      take();
    while (peek().kind != token_kind::end && !starts_statement(peek()))
      take();
  }

  void statement(std::set<std::string>& names) {
    if (is_word("threshold"))
      return threshold();
    if (is_word("rule") || is_word("score"))
      return rule(names);
    fail("'rule', 'score' or 'threshold' to start a statement");
  }

  void threshold() {
    take();
    std::optional<threshold_decl>* slot = nullptr;
    if (is_word("review"))
      slot = &source_.review_at;
    else if (is_word("decline"))
      slot = &source_.decline_at;
    else {
      fail("'review' or 'decline' after 'threshold'");
      return;
    }
    auto which = std::string{take().text};
    auto& t = peek();
    if (t.kind != token_kind::number || t.number != std::floor(t.number)
        || t.number > 100) {
      fail("a whole score from 0 to 100 for the " + which + " threshold");
      return;
    }
    if (*slot) {
      fail_at(t.at, "the " + which + " threshold is already set at line "
                      + std::to_string((*slot)->at.line));
      return;
    }
    *slot = threshold_decl{static_cast<int>(t.number), t.at};
    take();
  }

  void rule(std::set<std::string>& names) {
    operators_ = 0;
    rule_decl r;
    r.at = peek().at;
    r.kind = take().text == "rule" ? rule_kind::action : rule_kind::score;
    auto& name = peek();
    if (name.kind != token_kind::identifier || is_keyword(name.text)) {
      fail(std::string{"a rule name after '"}
           + (r.kind == rule_kind::action ? "rule" : "score") + "'");
      return;
    }
    if (name.text.size() > max_name_size) {
      fail_at(name.at, "expected a rule name of at most 64 characters");
      return;
    }
    r.name = std::string{name.text};
    r.name_at = name.at;
    if (!names.insert(r.name).second) {
      fail_at(name.at, "a rule named '" + r.name + "' is already defined");
      return;
    }
    take();
    if (peek().kind != token_kind::colon) {
      fail("':' after the rule name");
      return;
    }
    take();
    r.shadow = accept_word("shadow");
    if (r.kind == rule_kind::action ? !verdict(r) : !points(r))
      return;
    if (!accept_word("when")) {
      fail("'when' and a condition");
      return;
    }
    auto first = pos_;
    r.condition = condition();
    if (!r.condition)
      return;
    r.condition_text = spell(first, pos_);
    if (!clauses(r))
      return;
    source_.rules.push_back(std::move(r));
  }

  bool verdict(rule_decl& r) {
    if (accept_word("review"))
      r.verdict = rule_verdict::review;
    else if (accept_word("decline"))
      r.verdict = rule_verdict::decline;
    else if (accept_word("allow"))
      r.verdict = rule_verdict::allow;
    else
      return fail(r.shadow ? "review, decline or allow after 'shadow'"
                           : "review, decline, allow or shadow after ':'"),
             false;
    return true;
  }

  bool points(rule_decl& r) {
    int sign = 1;
    if (peek().kind == token_kind::plus) {
      take();
    } else if (peek().kind == token_kind::minus) {
      sign = -1;
      take();
    }
    auto& t = peek();
    if (t.kind != token_kind::number || t.number != std::floor(t.number)
        || t.number > 100)
      return fail("a score from -100 to +100, such as +40"), false;
    r.points = sign * static_cast<int>(t.number);
    take();
    return true;
  }

  bool clauses(rule_decl& r) {
    if (accept_word("value")) {
      r.value = sum();
      if (!r.value)
        return false;
      if (accept_word("limit")) {
        r.limit = sum();
        if (!r.limit)
          return false;
      }
    }
    if (accept_word("say")) {
      if (peek().kind != token_kind::string)
        return fail("a quoted sentence after 'say'"), false;
      r.say_at = peek().at;
      r.say = take().value;
    }
    auto& t = peek();
    if (t.kind != token_kind::end && !starts_statement(t)) {
      if (is_word("limit"))
        return fail_at(t.at, "'limit' comes after 'value': expected 'value' "
                             "before 'limit'"),
               false;
      return fail("'and', 'or', an operator, 'value', 'say' or the next "
                  "rule"),
             false;
    }
    return true;
  }

  // The tokens [from, to) as one line: what the rule's default detail shows.
  std::string spell(std::size_t from, std::size_t to) const {
    std::string out;
    for (auto i = from; i < to; ++i) {
      auto& t = lexed_.tokens[i];
      bool tight_before = t.kind == token_kind::rparen
                          || t.kind == token_kind::rbracket
                          || t.kind == token_kind::comma;
      auto prev = i > from ? lexed_.tokens[i - 1].kind : token_kind::end;
      bool tight_after_prev = prev == token_kind::lparen
                              || prev == token_kind::lbracket;
      if (!out.empty() && !tight_before && !tight_after_prev)
        out.push_back(' ');
      out += t.text;
    }
    return out;
  }

  // ---- expressions ------------------------------------------------------

  struct depth_guard {
    parser& p;
    explicit depth_guard(parser& p) : p(p) { ++p.depth_; }
    ~depth_guard() { --p.depth_; }
    bool too_deep() const { return p.depth_ > max_nesting; }
  };

  expr_ptr deeper_than_allowed() {
    return fail_at(peek().at, "expected a simpler condition: nesting deeper "
                              "than " + std::to_string(max_nesting)
                                + " levels");
  }

  static expr_ptr node(expr_kind k, position at) {
    auto e = std::make_unique<expr>();
    e->kind = k;
    e->at = at;
    return e;
  }

  // Operators make the tree deep (a and b and c ... is a chain): bounded,
  // so that whoever walks the tree recursively cannot run out of stack.
  expr_ptr binary(expr_kind k, position at, expr_ptr a, expr_ptr b) {
    if (++operators_ > max_operators)
      return fail_at(at, "expected a shorter rule: more than "
                           + std::to_string(max_operators) + " operators");
    auto e = node(k, at);
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  expr_ptr condition() {
    auto left = conjunction();
    while (left && is_word("or")) {
      auto at = take().at;
      auto right = conjunction();
      if (!right)
        return nullptr;
      left = binary(expr_kind::any, at, std::move(left), std::move(right));
    }
    return left;
  }

  expr_ptr conjunction() {
    auto left = negation();
    while (left && is_word("and")) {
      auto at = take().at;
      auto right = negation();
      if (!right)
        return nullptr;
      left = binary(expr_kind::all, at, std::move(left), std::move(right));
    }
    return left;
  }

  // Nesting is counted where the grammar recurses: "not", "-" and "(".
  expr_ptr negation() {
    if (!is_word("not"))
      return comparison();
    depth_guard g{*this};
    if (g.too_deep())
      return deeper_than_allowed();
    auto e = node(expr_kind::invert, take().at);
    auto inner = negation();
    if (!inner)
      return nullptr;
    e->args.push_back(std::move(inner));
    return e;
  }

  static bool comparison_op(token_kind k, cmp_op& op) {
    switch (k) {
      case token_kind::eq:
        op = cmp_op::eq;
        return true;
      case token_kind::ne:
        op = cmp_op::ne;
        return true;
      case token_kind::lt:
        op = cmp_op::lt;
        return true;
      case token_kind::le:
        op = cmp_op::le;
        return true;
      case token_kind::gt:
        op = cmp_op::gt;
        return true;
      case token_kind::ge:
        op = cmp_op::ge;
        return true;
      default:
        return false;
    }
  }

  expr_ptr comparison() {
    auto left = sum();
    if (!left)
      return nullptr;
    cmp_op op;
    if (comparison_op(peek().kind, op)) {
      auto e = node(expr_kind::compare, take().at);
      e->cmp = op;
      auto right = sum();
      if (!right)
        return nullptr;
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      if (comparison_op(peek().kind, op))
        return fail_at(peek().at, "expected 'and' between two comparisons: "
                                  "comparisons do not chain");
      return e;
    }
    bool negated = false;
    if (is_word("not") && is_word("in", 1)) {
      take();
      negated = true;
    }
    if (!is_word("in"))
      return left;
    auto at = take().at;
    if (accept_word("list")) {
      auto& name = peek();
      if (name.kind != token_kind::identifier || is_keyword(name.text))
        return fail("a list name after 'in list'");
      auto e = node(expr_kind::in_list, at);
      e->negated = negated;
      e->text = std::string{take().text};
      e->args.push_back(std::move(left));
      return e;
    }
    if (peek().kind != token_kind::lbracket)
      return fail("'[' and values, or 'list' and a list name, after 'in'");
    auto open = take().at;
    auto e = node(expr_kind::in_set, at);
    e->negated = negated;
    e->args.push_back(std::move(left));
    for (;;) {
      if (e->args.size() > max_set_size)
        return fail_at(open, "expected at most 10000 values in [...]");
      auto v = sum();
      if (!v)
        return nullptr;
      e->args.push_back(std::move(v));
      if (peek().kind == token_kind::comma) {
        take();
        continue;
      }
      if (peek().kind == token_kind::rbracket) {
        take();
        return e;
      }
      return fail("',' or ']' in the list of values opened at line "
                  + std::to_string(open.line) + ", column "
                  + std::to_string(open.column));
    }
  }

  expr_ptr sum() {
    return arithmetic(&parser::product, token_kind::plus, token_kind::minus);
  }

  expr_ptr product() {
    return arithmetic(&parser::unary, token_kind::star, token_kind::slash);
  }

  // operand { (a | b) operand }, left to right
  expr_ptr arithmetic(expr_ptr (parser::*operand)(), token_kind a,
                      token_kind b) {
    auto left = (this->*operand)();
    while (left && (peek().kind == a || peek().kind == b)) {
      auto& t = take();
      auto right = (this->*operand)();
      if (!right)
        return nullptr;
      left = binary(expr_kind::arith, t.at, std::move(left), std::move(right));
      if (left)
        left->op = t.text[0];
    }
    return left;
  }

  expr_ptr unary() {
    if (peek().kind != token_kind::minus)
      return primary();
    depth_guard g{*this};
    if (g.too_deep())
      return deeper_than_allowed();
    auto e = node(expr_kind::negate, take().at);
    auto inner = unary();
    if (!inner)
      return nullptr;
    e->args.push_back(std::move(inner));
    return e;
  }

  expr_ptr primary() {
    auto& t = peek();
    switch (t.kind) {
      case token_kind::number: {
        auto e = node(expr_kind::number, t.at);
        e->number = t.number;
        take();
        return e;
      }
      case token_kind::string: {
        auto e = node(expr_kind::string, t.at);
        e->text = t.value;
        take();
        return e;
      }
      case token_kind::lparen: {
        depth_guard g{*this};
        if (g.too_deep())
          return deeper_than_allowed();
        auto open = take().at;
        auto inner = condition();
        if (!inner)
          return nullptr;
        if (peek().kind != token_kind::rparen)
          return fail("')' to close the '(' at line "
                      + std::to_string(open.line) + ", column "
                      + std::to_string(open.column));
        take();
        return inner;
      }
      case token_kind::identifier:
        if (t.text == "true" || t.text == "false") {
          auto e = node(expr_kind::boolean, t.at);
          e->number = t.text == "true" ? 1 : 0;
          take();
          return e;
        }
        if (!is_keyword(t.text)) {
          auto e = node(expr_kind::name, t.at);
          e->text = std::string{t.text};
          take();
          return e;
        }
        break;
      default:
        break;
    }
    return fail("a value (a feature, a number, a string, true, false or "
                "'(')");
  }

  lexed lexed_;
  std::size_t pos_ = 0;
  std::size_t max_errors_;
  std::vector<rule_diagnostic> errors_;
  ruleset_source source_;
  bool failed_ = false;
  int depth_ = 0;
  int operators_ = 0;  // in the current rule
};

} // namespace

parsed parse(std::string_view text, std::size_t max_errors) {
  if (max_errors == 0)
    max_errors = 1;
  if (text.size() > max_text_size) {
    parsed out;
    out.errors.push_back(rule_diagnostic{1, 1, "expected a rule text of at most "
                                            "1 MiB"});
    return out;
  }
  return parser{text, max_errors}.run();
}

} // namespace fraud::models::rules
