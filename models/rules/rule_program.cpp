#include "models/rules/rule_program.hpp"

#include "models/rules/detail/rule_detail.hpp"
#include "models/text_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace fraud::models::rules {

namespace {

bool compare(cmp_op op, double x, double y) {
  switch (op) {
    case cmp_op::eq:
      return x == y;
    case cmp_op::ne:
      return x != y;
    case cmp_op::lt:
      return x < y;
    case cmp_op::le:
      return x <= y;
    case cmp_op::gt:
      return x > y;
    case cmp_op::ge:
      return x >= y;
  }
  return false;
}

bool in_numbers(const std::vector<double>& set, double x) {
  if (set.size() <= 8)
    return std::find(set.begin(), set.end(), x) != set.end();
  return std::binary_search(set.begin(), set.end(), x);
}

std::string_view string_at(const str_operand& s, const features& f) {
  return s.constant ? std::string_view{s.value}
                    : string_of(f, s.kind, s.field);
}

// As printf's "%.*f" would write it (to_chars promises the same digits),
// without printf's cost per call.
void append_number(double x, int decimals, std::string& out) {
  if (decimals < 0)
    decimals = std::isfinite(x) && x == std::floor(x) ? 0 : 2;
  append_fixed(x, decimals, out);
}

void append_feature(const feature_info& fi, int decimals, const features& f,
                    std::string& out) {
  switch (fi.kind) {
    case field_kind::f64:
    case field_kind::u32:
      append_number(number_of(f, fi.kind, fi.field), decimals, out);
      return;
    case field_kind::flag:
      out += f.*fi.field.flag ? "true" : "false";
      return;
    case field_kind::channel:
      out += to_string(f.*fi.field.chan);
      return;
    case field_kind::chars:
    case field_kind::view:
      out += string_of(f, fi.kind, fi.field);
      return;
  }
}

} // namespace

double rule_program::number(int index, const features& f) const {
  if (index < 0)
    return 0;
  double stack[max_stack];
  std::size_t sp = 0;
  for (auto& op : numbers[static_cast<std::size_t>(index)].ops) {
    switch (op.what) {
      case num_op::kind::f64:
        stack[sp++] = f.*op.field.f64;
        break;
      case num_op::kind::u32:
        stack[sp++] = static_cast<double>(f.*op.field.u32);
        break;
      case num_op::kind::constant:
        stack[sp++] = op.value;
        break;
      case num_op::kind::add:
        --sp;
        stack[sp - 1] += stack[sp];
        break;
      case num_op::kind::sub:
        --sp;
        stack[sp - 1] -= stack[sp];
        break;
      case num_op::kind::mul:
        --sp;
        stack[sp - 1] *= stack[sp];
        break;
      case num_op::kind::div:
        --sp;
        stack[sp - 1] /= stack[sp];
        break;
      case num_op::kind::neg:
        stack[sp - 1] = -stack[sp - 1];
        break;
    }
  }
  return stack[0];
}

void rule_program::run(const features& f, const bound_lists& lists,
                       evaluation& out) const {
  out.action = action::approve;
  out.score = 0;
  out.reasons.clear();
  out.shadow_reasons.clear();
  out.omitted_reasons = 0;
  bool allowed = false;
  const instr* prog = code.data();
  auto* fields = reinterpret_cast<const char*>(&f);
  std::int32_t pc = entry;
  for (;;) {
    const instr& i = prog[pc];
    bool r;
    if (i.op == opcode::f64_range) {
      double x;
      std::memcpy(&x, fields + i.offset, sizeof x);
      r = (x >= i.lo) & (x <= i.hi);
    } else if (i.op == opcode::int_range) {
      // Four bytes even for a one-byte field: the mask keeps its byte
      // (little-endian; offsets leave room in the struct).
      std::uint32_t x;
      std::memcpy(&x, fields + i.offset, sizeof x);
      r = ((x & i.mask) - i.base) <= i.span;
    } else if (i.op == opcode::end) {
      break;
    } else {
      r = test(i, f, lists, out, allowed);
    }
    // A branch, not a conditional move: the processor predicts it and
    // runs ahead to the next test as compiled code would, instead of
    // waiting for this test's loads (the empty asm keeps GCC from
    // turning the branch into a cmov, which made evaluation 2x slower).
    if (r) {
      pc = i.on_true;
    } else {
      pc = i.on_false;
      asm volatile("");
    }
  }
  if (!f.currency_known)
    out.reasons.push_back(unknown_currency_reason(f));
  if (out.omitted_reasons > 0) {
    reason more;
    more.rule = "more_reasons";
    more.value = out.omitted_reasons;
    more.threshold = static_cast<double>(max_reasons);
    more.detail = std::to_string(out.omitted_reasons)
                  + " more rules fired; a decision keeps "
                  + std::to_string(max_reasons) + " reasons";
    out.reasons.push_back(std::move(more));
  }
  settle(out, limits);
  // An allow rule is the analyst saying "this is known good": it wins over
  // the score and over every review or decline rule.
  if (allowed)
    out.action = action::approve;
}

bool rule_program::test(const instr& i, const features& f,
                        const bound_lists& lists, evaluation& out,
                        bool& allowed) const {
  switch (i.op) {
    case opcode::f64_range:
    case opcode::int_range:
    case opcode::end:
      break;
    case opcode::channel_in: {
      std::uint8_t c;
      std::memcpy(&c, reinterpret_cast<const char*>(&f) + i.offset, 1);
      return ((1u << c) & i.a) != 0;
    }
    case opcode::num_cmp:
      return compare(i.cmp, number(i.a, f), number(i.b, f));
    case opcode::num_in:
      return in_numbers(number_sets[i.b], number(i.a, f));
    case opcode::str_eq:
      return string_at(strings[i.a], f) == string_at(strings[i.b], f);
    case opcode::str_in:
      return contains(string_sets[i.b], string_at(strings[i.a], f));
    case opcode::str_in_list:
      return lists[i.b] != nullptr
             && contains(*lists[i.b], string_at(strings[i.a], f));
    case opcode::fire:
      fire(rules[i.a], f, out, allowed);
      return true;
  }
  return false;
}

// Out of line: a rule fires on few transactions, and writing its reason
// costs far more than testing its condition.
__attribute__((noinline, cold)) void
rule_program::fire(const compiled_rule& r, const features& f,
                   evaluation& out, bool& allowed) const {
  if ((r.shadow ? out.shadow_reasons : out.reasons).size() >= max_reasons) {
    // Counted, not described: the rule's effect holds, its reason (and
    // the cost of writing it) is left out.
    if (r.shadow)
      return;
    ++out.omitted_reasons;
    if (r.kind == rule_kind::score)
      out.score = std::clamp(out.score + r.points, 0, 100);
    else if (r.verdict == rule_verdict::allow)
      allowed = true;
    else if (auto a = r.verdict == rule_verdict::decline ? action::decline
                                                         : action::review;
             static_cast<int>(a) > static_cast<int>(out.action))
      out.action = a;
    return;
  }
  reason why;
  why.rule = r.name;
  why.value = number(r.value, f);
  why.threshold = number(r.limit, f);
  why.score = r.kind == rule_kind::score ? r.points : 0;
  render_detail(r.detail, f, why.value, why.threshold, why.detail);
  if (r.shadow) {
    out.shadow_reasons.push_back(std::move(why));
  } else if (r.kind == rule_kind::score) {
    add_score(out, std::move(why));
  } else if (r.verdict == rule_verdict::allow) {
    allowed = true;
    out.reasons.push_back(std::move(why));
  } else {
    force_action(out,
                 r.verdict == rule_verdict::decline ? action::decline
                                                    : action::review,
                 std::move(why));
  }
}

void render_detail(const std::vector<detail_part>& parts, const features& f,
                   double value, double limit, std::string& out) {
  out.clear();
  out.reserve(160);
  for (auto& p : parts) {
    if (out.size() > max_detail_bytes)
      break;
    switch (p.what) {
      case detail_part::kind::text:
        out += p.text;
        break;
      case detail_part::kind::feature:
        append_feature(*p.feature, p.decimals, f, out);
        break;
      case detail_part::kind::value:
        append_number(value, p.decimals, out);
        break;
      case detail_part::kind::limit:
        append_number(limit, p.decimals, out);
        break;
    }
  }
  if (out.size() > max_detail_bytes) {
    // Cut where a character starts: a string field must stay UTF-8.
    auto end = max_detail_bytes - 3;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80)
      --end;
    out.resize(end);
    out += "...";
  }
}

} // namespace fraud::models::rules
