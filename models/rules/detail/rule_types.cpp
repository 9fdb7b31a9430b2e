#include "models/rules/detail/rule_types.hpp"

#include <algorithm>
#include <cctype>

namespace fraud::models::rules {

namespace {

// Edit distance, for "did you mean": names are short.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_name(const std::string& name) {
  std::string msg = "expected a feature, found the unknown name '" + name + "'";
  if (name.size() == 2 && std::isupper(static_cast<unsigned char>(name[0]))
      && std::isupper(static_cast<unsigned char>(name[1])))
    return msg + " (a country is a string: \"" + name + "\")";
  const feature_info* best = nullptr;
  std::size_t best_distance = 3;
  for (auto& f : all_features()) {
    auto d = distance(name, f.name);
    if (d < best_distance) {
      best = &f;
      best_distance = d;
    }
  }
  if (best != nullptr)
    return msg + " (did you mean '" + std::string{best->name} + "'?)";
  return msg;
}

using types = std::optional<value_type>;

struct checker {
  std::vector<rule_diagnostic>& errors;

  types fail(position at, std::string message) {
    errors.push_back(error_at(at, std::move(message)));
    return std::nullopt;
  }

  types expect(const expr& e, value_type want, const char* where) {
    auto t = check(e);
    if (t && *t != want)
      return fail(e.at, std::string{"expected "} + describe(want) + " "
                          + where + ", found " + describe(*t));
    return t;
  }

  types check(const expr& e) {
    switch (e.kind) {
      case expr_kind::number:
        return value_type::number;
      case expr_kind::string:
        return value_type::string;
      case expr_kind::boolean:
        return value_type::boolean;
      case expr_kind::name: {
        if (auto* f = find_feature(e.text))
          return f->type();
        models::channel c;
        if (channel_constant(e.text, c))
          return value_type::channel;
        return fail(e.at, unknown_name(e.text));
      }
      case expr_kind::negate:
        return expect(*e.args[0], value_type::number, "after '-'");
      case expr_kind::arith: {
        auto a = expect(*e.args[0], value_type::number,
                        "before an arithmetic operator");
        auto b = expect(*e.args[1], value_type::number,
                        "after an arithmetic operator");
        return a && b ? types{value_type::number} : std::nullopt;
      }
      case expr_kind::compare:
        return compare(e);
      case expr_kind::all:
      case expr_kind::any: {
        const char* word = e.kind == expr_kind::all ? "'and'" : "'or'";
        auto a = expect(*e.args[0], value_type::boolean,
                        (std::string{"(a condition) before "} + word).c_str());
        auto b = expect(*e.args[1], value_type::boolean,
                        (std::string{"(a condition) after "} + word).c_str());
        return a && b ? types{value_type::boolean} : std::nullopt;
      }
      case expr_kind::invert:
        return expect(*e.args[0], value_type::boolean,
                      "(a condition) after 'not'")
                 ? types{value_type::boolean}
                 : std::nullopt;
      case expr_kind::in_set:
        return in_set(e);
      case expr_kind::in_list:
        return expect(*e.args[0], value_type::string,
                      "before 'in list' (lists hold strings)")
                 ? types{value_type::boolean}
                 : std::nullopt;
    }
    return std::nullopt;
  }

  types compare(const expr& e) {
    auto a = check(*e.args[0]);
    auto b = check(*e.args[1]);
    if (!a || !b)
      return std::nullopt;
    if (*a != *b) {
      std::string hint;
      if (*a == value_type::channel || *b == value_type::channel)
        hint = " (channels are POS, ECOM and ATM, without quotes)";
      return fail(e.at, std::string{"expected the same type on both sides of '"}
                          + to_string(e.cmp) + "', found " + describe(*a)
                          + " and " + describe(*b) + hint);
    }
    if (*a != value_type::number && e.cmp != cmp_op::eq
        && e.cmp != cmp_op::ne)
      return fail(e.at, std::string{"expected '==' or '!=' to compare "}
                          + describe(*a) + "s, found '" + to_string(e.cmp)
                          + "'");
    return value_type::boolean;
  }

  types in_set(const expr& e) {
    auto t = check(*e.args[0]);
    if (!t)
      return std::nullopt;
    if (*t == value_type::boolean)
      return fail(e.args[0]->at, "expected a number, a string or a channel "
                                 "before 'in', found true or false");
    bool ok = true;
    for (std::size_t i = 1; i < e.args.size(); ++i) {
      auto& v = *e.args[i];
      auto vt = check(v);
      if (!vt) {
        ok = false;
      } else if (*vt != *t) {
        fail(v.at, std::string{"expected "} + describe(*t)
                     + " in the list, found " + describe(*vt));
        ok = false;
      } else if (v.kind == expr_kind::name ? feature_named(v) != nullptr
                                           : (*vt == value_type::number
                                              && !constant_number(v))) {
        fail(v.at, "expected a constant in [...], found a feature");
        ok = false;
      }
    }
    return ok ? types{value_type::boolean} : std::nullopt;
  }
};

std::optional<value_type> quiet_type(const expr& e) {
  std::vector<rule_diagnostic> ignored;
  return type_of(e, ignored);
}

} // namespace

std::optional<value_type> type_of(const expr& e,
                                  std::vector<rule_diagnostic>& errors) {
  return checker{errors}.check(e);
}

const feature_info* feature_named(const expr& e) {
  return e.kind == expr_kind::name ? find_feature(e.text) : nullptr;
}

std::optional<double> constant_number(const expr& e) {
  switch (e.kind) {
    case expr_kind::number:
      return e.number;
    case expr_kind::negate:
      if (auto x = constant_number(*e.args[0]))
        return -*x;
      return std::nullopt;
    case expr_kind::arith: {
      auto a = constant_number(*e.args[0]);
      auto b = constant_number(*e.args[1]);
      if (!a || !b)
        return std::nullopt;
      switch (e.op) {
        case '+':
          return *a + *b;
        case '-':
          return *a - *b;
        case '*':
          return *a * *b;
        default:
          return *a / *b;
      }
    }
    default:
      return std::nullopt;
  }
}

std::optional<bool> constant_condition(const expr& e) {
  switch (e.kind) {
    case expr_kind::boolean:
      return e.number != 0;
    case expr_kind::invert:
      if (auto x = constant_condition(*e.args[0]))
        return !*x;
      return std::nullopt;
    case expr_kind::all:
    case expr_kind::any: {
      bool is_all = e.kind == expr_kind::all;
      auto a = constant_condition(*e.args[0]);
      auto b = constant_condition(*e.args[1]);
      // false and x, true or x: decided whatever x is
      if ((a && *a != is_all) || (b && *b != is_all))
        return !is_all;
      if (a && b)
        return is_all;
      return std::nullopt;
    }
    case expr_kind::compare: {
      auto a = constant_number(*e.args[0]);
      auto b = constant_number(*e.args[1]);
      if (!a || !b)
        return std::nullopt;
      switch (e.cmp) {
        case cmp_op::eq:
          return *a == *b;
        case cmp_op::ne:
          return *a != *b;
        case cmp_op::lt:
          return *a < *b;
        case cmp_op::le:
          return *a <= *b;
        case cmp_op::gt:
          return *a > *b;
        case cmp_op::ge:
          return *a >= *b;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

void features_read(const expr& e, std::vector<const feature_info*>& out) {
  if (auto* f = feature_named(e)) {
    if (std::find(out.begin(), out.end(), f) == out.end())
      out.push_back(f);
    return;
  }
  for (auto& a : e.args)
    features_read(*a, out);
}

const expr* first_number_comparison(const expr& e) {
  if (e.kind == expr_kind::compare
      && quiet_type(*e.args[0]) == value_type::number)
    return &e;
  if (e.kind == expr_kind::in_list || e.kind == expr_kind::in_set)
    return nullptr;
  for (auto& a : e.args)
    if (auto* found = first_number_comparison(*a))
      return found;
  return nullptr;
}

} // namespace fraud::models::rules
