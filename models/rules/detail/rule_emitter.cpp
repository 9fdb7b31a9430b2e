#include "models/rules/detail/rule_emitter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/rules/detail/rule_types.hpp"

namespace fraud::models::rules {

namespace {

constexpr std::size_t max_operands = std::numeric_limits<std::uint16_t>::max();

cmp_op mirrored(cmp_op op) {
  switch (op) {
    case cmp_op::lt:
      return cmp_op::gt;
    case cmp_op::le:
      return cmp_op::ge;
    case cmp_op::gt:
      return cmp_op::lt;
    case cmp_op::ge:
      return cmp_op::le;
    default:
      return op;
  }
}

struct interval {
  double lo;
  double hi;
  bool inside;  // false: the comparison holds outside (!=)
};

// `x op k` as lo <= x <= hi.
interval as_interval(cmp_op op, double k) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (op) {
    case cmp_op::lt:
      return {-inf, std::nextafter(k, -inf), true};
    case cmp_op::le:
      return {-inf, k, true};
    case cmp_op::gt:
      return {std::nextafter(k, inf), inf, true};
    case cmp_op::ge:
      return {k, inf, true};
    case cmp_op::eq:
      return {k, k, true};
    case cmp_op::ne:
      return {k, k, false};
  }
  return {-inf, inf, true};
}

bool is_number_field(const feature_info* f) {
  return f != nullptr
         && (f->kind == field_kind::f64 || f->kind == field_kind::u32);
}

unsigned channel_value(const expr& e) {
  models::channel c = channel::pos;
  channel_constant(e.text, c);
  return static_cast<unsigned>(c);
}

unsigned channel_bit(const expr& e) {
  return 1u << channel_value(e);
}

} // namespace

class rule_emitter::impl {
public:
  impl(rule_program& p, std::vector<rule_diagnostic>& errors)
    : p_(p), errors_(errors) {}

  // The entry of `e` as a branching program that goes to t when `e` holds
  // and to f when it does not. Built backwards: successors first.
  std::int32_t cond(const expr& e, std::int32_t t, std::int32_t f) {
    if (t == f)
      return t;
    if (auto c = constant_condition(e))
      return *c ? t : f;
    switch (e.kind) {
      case expr_kind::all:
        return cond(*e.args[0], cond(*e.args[1], t, f), f);
      case expr_kind::any:
        return cond(*e.args[0], t, cond(*e.args[1], t, f));
      case expr_kind::invert:
        return cond(*e.args[0], f, t);
      case expr_kind::name:
        return range(*feature_named(e), {1, 1, true}, t, f);
      case expr_kind::compare:
        return compare(e, t, f);
      case expr_kind::in_set:
        return e.negated ? in_set(e, f, t) : in_set(e, t, f);
      case expr_kind::in_list: {
        instr i;
        i.op = opcode::str_in_list;
        i.a = string(*e.args[0]);
        i.b = list(e.text);
        return e.negated ? push(i, f, t) : push(i, t, f);
      }
      default:
        return f;  // not a condition: the type check reported it
    }
  }

  // An instruction that fires rules[rule] and goes on at `next`.
  std::int32_t fire(std::size_t rule, std::int32_t next, position at) {
    instr i;
    i.op = opcode::fire;
    i.a = index(rule + 1, at);
    return push(i, next, next);
  }

  // numbers[index] computing `e`.
  std::uint16_t number(const expr& e) {
    num_expr out;
    std::size_t depth = 0;
    postfix(e, out, 0, depth);
    if (depth > max_stack)
      error(e.at, "expected a simpler calculation: it nests too deeply");
    p_.numbers.push_back(std::move(out));
    return index(p_.numbers.size(), e.at);
  }

private:
  // A test of lo <= fi <= hi, or its constant answer when the field's
  // type decides it (a count is never negative, a byte never over 255).
  std::int32_t range(const feature_info& fi, interval in, std::int32_t t,
                     std::int32_t f) {
    if (!in.inside)
      std::swap(t, f);
    instr i;
    i.offset = fi.offset;
    i.lo = in.lo;
    i.hi = in.hi;
    i.op = opcode::f64_range;
    if (fi.kind != field_kind::f64) {
      double top = fi.kind == field_kind::u32 ? 4294967295.0 : 255.0;
      i.lo = std::ceil(std::max(in.lo, 0.0));
      i.hi = std::floor(std::min(in.hi, top));
      if (i.lo > i.hi)
        return f;
      if (i.lo == 0 && i.hi == top)
        return t;
      i.op = opcode::int_range;
      i.mask = fi.kind == field_kind::u32 ? 0xffffffffu : 0xffu;
      i.base = static_cast<std::uint32_t>(i.lo);
      i.span = static_cast<std::uint32_t>(i.hi - i.lo);
    }
    t = decided(t, i, true);
    f = decided(f, i, false);
    return t == f ? t : push(i, t, f);
  }

  // Where control goes from `s` when range test `i` just gave `holds`:
  // past the tests of the same field that this answer already decides (two
  // rules that both start with new_device test it once).
  std::int32_t decided(std::int32_t s, const instr& i, bool holds) const {
    for (;;) {
      const instr& n = p_.code[static_cast<std::size_t>(s)];
      if (n.op != i.op || n.offset != i.offset || n.mask != i.mask)
        return s;
      if (holds && n.lo <= i.lo && i.hi <= n.hi)
        s = n.on_true;  // inside i, so inside n
      else if (holds && (i.hi < n.lo || n.hi < i.lo))
        s = n.on_false;  // inside i, so outside n
      else if (!holds && i.lo <= n.lo && n.hi <= i.hi)
        s = n.on_false;  // outside i (or NaN), so outside n
      else
        return s;
    }
  }

  std::int32_t push(instr i, std::int32_t t, std::int32_t f) {
    i.on_true = t;
    i.on_false = f;
    p_.code.push_back(i);
    return static_cast<std::int32_t>(p_.code.size() - 1);
  }

  void error(position at, std::string message) {
    errors_.push_back(error_at(at, std::move(message)));
  }

  std::uint16_t index(std::size_t size, position at) {
    if (size > max_operands) {
      error(at, "expected a smaller ruleset: more than 65535 values");
      return 0;
    }
    return static_cast<std::uint16_t>(size - 1);
  }

  void postfix(const expr& e, num_expr& out, std::size_t height,
               std::size_t& depth) {
    depth = std::max(depth, height + 1);
    num_op op;
    if (auto c = constant_number(e)) {
      op.value = *c;
      out.ops.push_back(op);
      return;
    }
    if (auto* f = feature_named(e)) {
      op.what = f->kind == field_kind::f64 ? num_op::kind::f64
                                           : num_op::kind::u32;
      op.field = f->field;
      out.ops.push_back(op);
      return;
    }
    if (e.kind == expr_kind::negate) {
      postfix(*e.args[0], out, height, depth);
      op.what = num_op::kind::neg;
      out.ops.push_back(op);
      return;
    }
    postfix(*e.args[0], out, height, depth);
    postfix(*e.args[1], out, height + 1, depth);
    op.what = e.op == '+'   ? num_op::kind::add
              : e.op == '-' ? num_op::kind::sub
              : e.op == '*' ? num_op::kind::mul
                            : num_op::kind::div;
    out.ops.push_back(op);
  }

  std::uint16_t string(const expr& e) {
    str_operand s;
    if (auto* f = feature_named(e)) {
      s.kind = f->kind;
      s.field = f->field;
    } else {
      s.constant = true;
      s.value = e.text;
    }
    p_.strings.push_back(std::move(s));
    return index(p_.strings.size(), e.at);
  }

  std::uint16_t list(const std::string& name) {
    auto& names = p_.list_names;
    auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end())
      return static_cast<std::uint16_t>(it - names.begin());
    names.push_back(name);
    return index(names.size(), position{});
  }

  std::int32_t compare(const expr& e, std::int32_t t, std::int32_t f) {
    auto& a = *e.args[0];
    auto& b = *e.args[1];
    std::vector<rule_diagnostic> ignored;
    auto type = type_of(a, ignored);
    bool equal = e.cmp == cmp_op::eq;
    if (type == value_type::boolean) {
      // a == b: b's answer must match a's
      auto if_a = cond(b, equal ? t : f, equal ? f : t);
      auto if_not_a = cond(b, equal ? f : t, equal ? t : f);
      return cond(a, if_a, if_not_a);
    }
    if (type == value_type::channel) {
      bool a_feature = feature_named(a) != nullptr;
      bool b_feature = feature_named(b) != nullptr;
      if (a_feature == b_feature)  // the same feature, or two constants
        return (a_feature || a.text == b.text) == equal ? t : f;
      double c = channel_value(a_feature ? b : a);
      return range(*feature_named(a_feature ? a : b), {c, c, equal}, t, f);
    }
    if (type == value_type::string) {
      if (a.kind == expr_kind::string && b.kind == expr_kind::string)
        return (a.text == b.text) == equal ? t : f;
      instr i;
      i.op = opcode::str_eq;
      i.a = string(a);
      i.b = string(b);
      return equal ? push(i, t, f) : push(i, f, t);
    }
    auto ka = constant_number(a);
    auto kb = constant_number(b);
    auto* fa = feature_named(a);
    auto* fb = feature_named(b);
    if (is_number_field(fa) && kb)
      return range(*fa, as_interval(e.cmp, *kb), t, f);
    if (is_number_field(fb) && ka)
      return range(*fb, as_interval(mirrored(e.cmp), *ka), t, f);
    instr i;
    i.op = opcode::num_cmp;
    i.cmp = e.cmp;
    i.a = number(a);
    i.b = number(b);
    return push(i, t, f);
  }

  std::int32_t in_set(const expr& e, std::int32_t t, std::int32_t f) {
    auto& lhs = *e.args[0];
    std::vector<rule_diagnostic> ignored;
    auto type = type_of(lhs, ignored);
    instr i;
    if (type == value_type::channel) {
      unsigned mask = 0;
      for (std::size_t k = 1; k < e.args.size(); ++k)
        mask |= channel_bit(*e.args[k]);
      if (!feature_named(lhs))
        return (mask & channel_bit(lhs)) != 0 ? t : f;
      if (mask == 2 || mask == 4 || mask == 8 || mask == 6 || mask == 12
          || mask == 14)  // one run of channels: a range
        return range(*feature_named(lhs),
                     {mask & 2 ? 1.0 : mask & 4 ? 2.0 : 3.0,
                      mask & 8 ? 3.0 : mask & 4 ? 2.0 : 1.0, true},
                     t, f);
      i.op = opcode::channel_in;
      i.offset = feature_named(lhs)->offset;
      i.a = static_cast<std::uint16_t>(mask);
      return push(i, t, f);
    }
    if (type == value_type::string) {
      list_entries set;
      for (std::size_t k = 1; k < e.args.size(); ++k)
        set.push_back(e.args[k]->text);
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      if (lhs.kind == expr_kind::string)
        return contains(set, lhs.text) ? t : f;
      i.op = opcode::str_in;
      i.a = string(lhs);
      p_.string_sets.push_back(std::move(set));
      i.b = index(p_.string_sets.size(), e.at);
      return push(i, t, f);
    }
    std::vector<double> set;
    for (std::size_t k = 1; k < e.args.size(); ++k) {
      auto v = constant_number(*e.args[k]).value_or(0);
      if (!std::isfinite(v)) {
        error(e.args[k]->at, "expected a finite number in [...]");
        return f;
      }
      set.push_back(v);
    }
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    if (auto k = constant_number(lhs))
      return std::binary_search(set.begin(), set.end(), *k) ? t : f;
    i.op = opcode::num_in;
    i.a = number(lhs);
    p_.number_sets.push_back(std::move(set));
    i.b = index(p_.number_sets.size(), e.at);
    return push(i, t, f);
  }

  rule_program& p_;
  std::vector<rule_diagnostic>& errors_;
};

rule_emitter::rule_emitter(rule_program& p, std::vector<rule_diagnostic>& errors)
  : impl_(std::make_unique<impl>(p, errors)) {
}

rule_emitter::~rule_emitter() = default;

std::int32_t rule_emitter::cond(const expr& e, std::int32_t t,
                                std::int32_t f) {
  return impl_->cond(e, t, f);
}

std::int32_t rule_emitter::fire(std::size_t rule, std::int32_t next,
                                position at) {
  return impl_->fire(rule, next, at);
}

std::uint16_t rule_emitter::number(const expr& e) {
  return impl_->number(e);
}

} // namespace fraud::models::rules
