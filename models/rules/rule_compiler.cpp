#include "models/rules/rule_compiler.hpp"

#include <algorithm>

#include "models/rules/detail/rule_detail.hpp"
#include "models/rules/detail/rule_emitter.hpp"
#include "models/rules/detail/rule_parser.hpp"
#include "models/rules/detail/rule_types.hpp"

namespace fraud::models::rules {

namespace {

// The reason's value and limit when the rule does not name them: the sides
// of its first comparison of numbers, the measured side as the value.
void default_report(const rule_decl& d, compiled_rule& r,
                    rule_emitter& emit) {
  auto* cmp = first_number_comparison(*d.condition);
  if (cmp == nullptr)
    return;
  auto* value = cmp->args[0].get();
  auto* limit = cmp->args[1].get();
  if (constant_number(*value) && !constant_number(*limit))
    std::swap(value, limit);
  r.value = emit.number(*value);
  r.limit = emit.number(*limit);
}

// Compiles `d` to run before the code at `next`; returns its first test.
std::int32_t compile_rule(const rule_decl& d, std::int32_t next,
                          rule_program& p, rule_emitter& emit,
                          std::vector<rule_diagnostic>& errors,
                          std::vector<rule_diagnostic>& warnings) {
  auto before = errors.size();
  auto type = type_of(*d.condition, errors);
  if (type && *type != value_type::boolean)
    errors.push_back(error_at(d.condition->at,
                              std::string{"expected a condition after 'when', "
                                          "found "}
                                + describe(*type)
                                + " (compare it, e.g. amount > 100)"));
  for (auto* e : {d.value.get(), d.limit.get()}) {
    if (e == nullptr)
      continue;
    auto t = type_of(*e, errors);
    if (t && *t != value_type::number)
      errors.push_back(error_at(e->at, std::string{"expected a number to "
                                                   "report, found "}
                                         + describe(*t)));
  }
  compiled_rule r;
  if (d.say) {
    r.detail = compile_say(*d.say, d.say_at, errors);
    if (d.say->size() > max_detail_bytes)
      warnings.push_back(error_at(
        d.say_at, "reasons keep " + std::to_string(max_detail_bytes)
                    + " characters of this 'say' text ("
                    + std::to_string(d.say->size()) + "): the rest is cut"));
  }
  if (errors.size() != before)
    return next;
  r.name = d.name;
  r.kind = d.kind;
  r.verdict = d.verdict;
  r.points = d.points;
  r.shadow = d.shadow;
  auto fire = emit.fire(p.rules.size(), next, d.name_at);
  auto entry = emit.cond(*d.condition, fire, next);
  std::vector<const feature_info*> read;
  features_read(*d.condition, read);
  if (std::any_of(read.begin(), read.end(),
                  [](auto* f) { return f->money; })) {
    // Amounts in a currency the rates do not know mean nothing: the rule
    // is skipped, never fired or passed on a wrong amount.
    expr known;
    known.kind = expr_kind::name;
    known.text = "currency_known";
    known.at = d.condition->at;
    entry = emit.cond(known, entry, next);
  }
  if (d.value) {
    r.value = emit.number(*d.value);
    if (d.limit)
      r.limit = emit.number(*d.limit);
  } else {
    default_report(d, r, emit);
  }
  if (!d.say) {
    r.detail = default_detail(d.condition_text, read);
  }
  if (auto c = constant_condition(*d.condition))
    warnings.push_back(error_at(d.condition->at,
                                *c ? "this rule fires on every transaction"
                                   : "this rule can never fire"));
  p.rules.push_back(std::move(r));
  return entry;
}

bool before(const rule_diagnostic& a, const rule_diagnostic& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

} // namespace

compile_result compile(std::string_view text) {
  compile_result out;
  auto parsed = parse(text);
  if (parsed.source.rules.size() > max_rules) {
    out.errors.push_back(rule_diagnostic{
      1, 1,
      "the text holds " + std::to_string(parsed.source.rules.size())
        + " rules; a ruleset may hold at most " + std::to_string(max_rules)});
    return out;
  }
  out.errors = std::move(parsed.errors);
  auto& src = parsed.source;
  auto program = std::make_shared<rule_program>();
  program->text = std::string{text};
  if (src.review_at)
    program->limits.review_at = src.review_at->value;
  if (src.decline_at)
    program->limits.decline_at = src.decline_at->value;
  if (program->limits.review_at > program->limits.decline_at) {
    auto at = src.decline_at ? src.decline_at->at : src.review_at->at;
    out.errors.push_back(error_at(
      at, "expected the decline threshold ("
            + std::to_string(program->limits.decline_at)
            + ") to be at least the review threshold ("
            + std::to_string(program->limits.review_at) + ")"));
  }
  // Last rule first: each rule's code goes on to the next rule's. Rules
  // keep their text order in `rules`, which is the order reasons are in.
  rule_emitter emit{*program, out.errors};
  program->code.emplace_back();  // the end
  std::int32_t next = 0;
  for (auto d = src.rules.rbegin(); d != src.rules.rend(); ++d)
    next = compile_rule(*d, next, *program, emit, out.errors, out.warnings);
  // Emitted backwards; turned around, evaluation mostly walks forward.
  auto& rules = program->rules;
  std::reverse(rules.begin(), rules.end());
  auto& code = program->code;
  std::reverse(code.begin(), code.end());
  auto last = static_cast<std::int32_t>(code.size()) - 1;
  for (auto& i : code) {
    i.on_true = last - i.on_true;
    i.on_false = last - i.on_false;
    if (i.op == opcode::fire)
      i.a = static_cast<std::uint16_t>(rules.size() - 1 - i.a);
  }
  program->entry = last - next;
  std::stable_sort(out.errors.begin(), out.errors.end(), before);
  std::stable_sort(out.warnings.begin(), out.warnings.end(), before);
  if (out.errors.empty())
    out.program = std::move(program);
  return out;
}

} // namespace fraud::models::rules
