#include "protocol/outcome_codec.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

namespace {

using detail::bad_request;
using detail::check_limit;
using detail::get_error;
using detail::limit_exceeded;
using detail::parse;
using detail::serialize;
using detail::set_error;

// As a transaction's tx_id (models/validation.cpp): 1..64 printable
// characters without spaces.
bool valid_tx_id(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s)
    if (c < '!' || c > '~')
      return false;
  return true;
}

const char* tx_id_rule = "must be 1 to 64 printable characters without spaces";

template <class Reply>
void set_origin(Reply& msg, const reply_origin& origin) {
  msg.set_instance(origin.instance);
  msg.set_instances(origin.instances);
}

template <class Reply>
reply_origin get_origin(const Reply& msg) {
  return reply_origin{msg.instance(), msg.instances()};
}

fraud::error check_note(const std::string& note, const char* field) {
  if (note.size() > max_note_bytes)
    return limit_exceeded(field, "at most " + std::to_string(max_note_bytes)
                                   + " bytes, got "
                                   + std::to_string(note.size()));
  return {};
}

fraud::error check_outcome_cursor(const std::string& cursor) {
  outcome_cursor parsed;
  bool present = false;
  return parse_outcome_cursor(cursor, parsed, present);
}

void fill(v1::Label& m, const label& l) {
  m.set_tx_id(l.tx_id);
  m.set_outcome(static_cast<v1::Outcome>(l.result));
  m.set_source(l.source);
  m.set_at_ms(l.at_ms);
  m.set_note(l.note);
}

label from_wire(const v1::Label& m) {
  label l;
  l.tx_id = m.tx_id();
  auto o = static_cast<int>(m.outcome());
  l.result = o == 1 || o == 2 ? static_cast<outcome>(o) : outcome::unspecified;
  l.source = m.source();
  l.at_ms = m.at_ms();
  l.note = m.note();
  return l;
}

void fill(v1::Case& m, const review_case& c) {
  m.set_tx_id(c.tx_id);
  m.set_card_id(c.card_id);
  m.set_state(static_cast<v1::CaseState>(c.state));
  m.set_score(c.score);
  for (auto& r : c.rules)
    m.add_rules(r);
  m.set_amount_minor(c.amount_minor);
  m.set_currency(c.currency);
  m.set_merchant_id(c.merchant_id);
  m.set_opened_at_ms(c.opened_at_ms);
  m.set_resolved_by(c.resolved_by);
  m.set_resolved_at_ms(c.resolved_at_ms);
  m.set_note(c.note);
}

review_case from_wire(const v1::Case& m) {
  review_case c;
  c.tx_id = m.tx_id();
  c.card_id = m.card_id();
  auto s = static_cast<int>(m.state());
  c.state = s >= 0 && s <= 2 ? static_cast<case_state>(s) : case_state::open;
  c.score = m.score();
  c.rules.assign(m.rules().begin(), m.rules().end());
  c.amount_minor = m.amount_minor();
  c.currency = m.currency();
  c.merchant_id = m.merchant_id();
  c.opened_at_ms = m.opened_at_ms();
  c.resolved_by = m.resolved_by();
  c.resolved_at_ms = m.resolved_at_ms();
  c.note = m.note();
  return c;
}

template <class Msg, class Out, class Read>
fraud::error decode_reply(const void* data, std::size_t size, Out& out,
                          const char* name, Read read) {
  Msg msg;
  if (!parse(msg, data, size))
    return fraud::error{ec::malformed, std::string{"not a fraud.v1."} + name
                                         + " protobuf message"};
  read(msg);
  out.error = get_error(msg);
  out.origin = get_origin(msg);
  return {};
}

} // namespace

const char* to_string(outcome o) {
  switch (o) {
    case outcome::fraud:
      return "fraud";
    case outcome::legit:
      return "legit";
    default:
      return "";
  }
}

const char* to_string(case_state s) {
  switch (s) {
    case case_state::fraud:
      return "fraud";
    case case_state::legit:
      return "legit";
    default:
      return "open";
  }
}

bool parse_outcome(std::string_view text, outcome& out) {
  if (text == "fraud") {
    out = outcome::fraud;
    return true;
  }
  if (text == "legit" || text == "legitimate") {
    out = outcome::legit;
    return true;
  }
  return false;
}

bool valid_source(std::string_view s) {
  if (s.empty() || s.size() > 32)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

void complete_rule_figures(std::vector<rule_performance>& rules,
                           std::uint64_t fraud) {
  for (auto& p : rules) {
    p.missed = fraud - std::min(fraud, p.fraud);
    p.precision = p.fraud + p.legit > 0
                    ? static_cast<double>(p.fraud)
                        / static_cast<double>(p.fraud + p.legit)
                    : 0.0;
  }
  std::stable_sort(rules.begin(), rules.end(),
                   [](auto& a, auto& b) { return a.fired > b.fired; });
  if (rules.size() > max_shadow_rules_listed)
    rules.resize(max_shadow_rules_listed);
}

// ---- cursors ---------------------------------------------------------------

fraud::error parse_outcome_cursor(const std::string& text,
                                  outcome_cursor& out, bool& present) {
  present = !text.empty();
  if (!present)
    return {};
  auto bad = [] {
    return bad_request("cursor", "must be a next_cursor from an earlier "
                                 "reply");
  };
  auto first = text.find('/');
  auto second = first == std::string::npos ? first : text.find('/', first + 1);
  if (second == std::string::npos)
    return bad();
  auto* begin = text.data();
  auto [end, ec] = std::from_chars(begin, begin + first, out.ms);
  if (ec != std::errc{} || end != begin + first || out.ms < 0)
    return bad();
  out.key = text.substr(first + 1, second - first - 1);
  out.tx_id = text.substr(second + 1);
  if ((!out.key.empty() && !valid_source(out.key)) || !valid_tx_id(out.tx_id))
    return bad();
  return {};
}

std::string format_outcome_cursor(const outcome_cursor& c) {
  return std::to_string(c.ms) + "/" + c.key + "/" + c.tx_id;
}

// ---- requests --------------------------------------------------------------

fraud::error decode(const void* data, std::size_t size, labels_add& out,
                    std::int64_t now_ms) {
  v1::LabelsAdd msg;
  if (!parse(msg, data, size))
    return detail::malformed("LabelsAdd");
  if (msg.labels_size() == 0)
    return bad_request("labels", "must hold at least one label");
  if (static_cast<std::size_t>(msg.labels_size()) > max_labels_per_request)
    return limit_exceeded("labels", "at most "
                                      + std::to_string(max_labels_per_request)
                                      + " labels a request, got "
                                      + std::to_string(msg.labels_size()));
  out.labels.clear();
  out.labels.reserve(static_cast<std::size_t>(msg.labels_size()));
  for (int i = 0; i < msg.labels_size(); ++i) {
    auto l = from_wire(msg.labels(i));
    auto field = [i](const char* name) {
      return "labels[" + std::to_string(i) + "]." + name;
    };
    auto bad = [&](const char* name, std::string why) {
      auto f = field(name);
      return bad_request(f.c_str(), std::move(why));
    };
    if (!valid_tx_id(l.tx_id))
      return bad("tx_id", tx_id_rule);
    if (l.result == outcome::unspecified)
      return bad("outcome", "must be OUTCOME_FRAUD or OUTCOME_LEGIT");
    if (!valid_source(l.source))
      return bad("source", "must be [a-z0-9_]{1,32}, e.g. chargeback");
    if (l.source == case_source)
      return bad("source", "\"case\" is set by resolving a case "
                           "(fraud.cases.resolve)");
    if (l.at_ms < 0)
      return bad("at_ms", "must not be negative");
    // A label from the future would outrank every later one for good.
    if (l.at_ms > now_ms && l.at_ms - now_ms > max_label_skew_ms)
      return bad("at_ms", "is more than 5 minutes ahead of fraudd's clock");
    if (l.at_ms == 0)
      l.at_ms = now_ms;
    if (l.note.size() > max_note_bytes) {
      auto f = field("note");
      return check_note(l.note, f.c_str());
    }
    out.labels.push_back(std::move(l));
  }
  return {};
}

fraud::error decode(const void* data, std::size_t size, cases_query& out) {
  v1::CasesQuery msg;
  if (!parse(msg, data, size))
    return detail::malformed("CasesQuery");
  out.open_only = msg.open_only();
  out.rule = msg.rule();
  out.limit = msg.limit();
  out.cursor = msg.cursor();
  if (out.rule.size() > 64)
    return bad_request("rule", "must be at most 64 characters");
  if (auto err = check_outcome_cursor(out.cursor))
    return err;
  return check_limit(out.limit, 50);
}

fraud::error decode(const void* data, std::size_t size, case_resolve& out) {
  v1::CaseResolve msg;
  if (!parse(msg, data, size))
    return detail::malformed("CaseResolve");
  out.tx_id = msg.tx_id();
  auto o = static_cast<int>(msg.outcome());
  out.result = o == 1 || o == 2 ? static_cast<outcome>(o)
                                : outcome::unspecified;
  out.note = msg.note();
  if (!valid_tx_id(out.tx_id))
    return bad_request("tx_id", tx_id_rule);
  if (out.result == outcome::unspecified)
    return bad_request("outcome", "must be OUTCOME_FRAUD or OUTCOME_LEGIT");
  return check_note(out.note, "note");
}

fraud::error decode(const void* data, std::size_t size, labels_query& out) {
  v1::LabelsQuery msg;
  if (!parse(msg, data, size))
    return detail::malformed("LabelsQuery");
  out.tx_id = msg.tx_id();
  out.unknown_only = msg.unknown_only();
  out.since_ms = msg.since_ms();
  out.limit = msg.limit();
  out.cursor = msg.cursor();
  if (!out.tx_id.empty() && !valid_tx_id(out.tx_id))
    return bad_request("tx_id", tx_id_rule);
  if (out.since_ms < 0)
    return bad_request("since_ms", "must not be negative");
  if (auto err = check_outcome_cursor(out.cursor))
    return err;
  return check_limit(out.limit, 50);
}

fraud::error decode(const void* data, std::size_t size,
                    performance_query& out) {
  v1::PerformanceQuery msg;
  if (!parse(msg, data, size))
    return detail::malformed("PerformanceQuery");
  out.since_ms = msg.since_ms();
  if (out.since_ms < 0)
    return bad_request("since_ms", "must not be negative");
  return {};
}

void encode(const labels_add& q, std::string& out) {
  v1::LabelsAdd msg;
  for (auto& l : q.labels)
    fill(*msg.add_labels(), l);
  serialize(msg, out);
}

void encode(const cases_query& q, std::string& out) {
  v1::CasesQuery msg;
  msg.set_open_only(q.open_only);
  msg.set_rule(q.rule);
  msg.set_limit(q.limit);
  msg.set_cursor(q.cursor);
  serialize(msg, out);
}

void encode(const case_resolve& q, std::string& out) {
  v1::CaseResolve msg;
  msg.set_tx_id(q.tx_id);
  msg.set_outcome(static_cast<v1::Outcome>(q.result));
  msg.set_note(q.note);
  serialize(msg, out);
}

void encode(const labels_query& q, std::string& out) {
  v1::LabelsQuery msg;
  msg.set_tx_id(q.tx_id);
  msg.set_unknown_only(q.unknown_only);
  msg.set_since_ms(q.since_ms);
  msg.set_limit(q.limit);
  msg.set_cursor(q.cursor);
  serialize(msg, out);
}

void encode(const performance_query& q, std::string& out) {
  v1::PerformanceQuery msg;
  msg.set_since_ms(q.since_ms);
  serialize(msg, out);
}

// ---- replies ---------------------------------------------------------------

void encode(const labels_add_reply& r, std::string& out) {
  v1::LabelsAddReply msg;
  msg.set_added(r.added);
  msg.set_changed(r.changed);
  msg.set_unchanged(r.unchanged);
  msg.set_decided(r.decided);
  msg.set_unknown(r.unknown);
  set_error(msg, r.error);
  set_origin(msg, r.origin);
  serialize(msg, out);
}

void encode(const cases_reply& r, std::string& out) {
  v1::CasesReply msg;
  for (auto& c : r.cases)
    fill(*msg.add_cases(), c);
  msg.set_next_cursor(r.next_cursor);
  msg.set_open(r.open);
  set_error(msg, r.error);
  set_origin(msg, r.origin);
  serialize(msg, out);
}

void encode(const case_resolve_reply& r, std::string& out) {
  v1::CaseResolveReply msg;
  if (!r.error)
    fill(*msg.mutable_case_(), r.resolved);
  set_error(msg, r.error);
  set_origin(msg, r.origin);
  serialize(msg, out);
}

void encode(const labels_reply& r, std::string& out) {
  v1::LabelsReply msg;
  for (auto& l : r.labels) {
    auto* m = msg.add_labels();
    fill(*m->mutable_label(), l.value);
    m->set_signer(l.signer);
    m->set_received_at_ms(l.received_at_ms);
    m->set_decided(l.decided);
    m->set_action(static_cast<v1::Action>(l.action));
    for (auto& rule : l.rules)
      m->add_rules(rule);
  }
  msg.set_next_cursor(r.next_cursor);
  msg.set_labelled(r.labelled);
  msg.set_unknown(r.unknown);
  set_error(msg, r.error);
  set_origin(msg, r.origin);
  serialize(msg, out);
}

void encode(const performance_reply& r, std::string& out) {
  v1::PerformanceReply msg;
  for (auto& p : r.rules) {
    auto* m = msg.add_rules();
    m->set_rule(p.rule);
    m->set_shadow(p.shadow);
    m->set_fired(p.fired);
    m->set_fraud(p.fraud);
    m->set_legit(p.legit);
    m->set_missed(p.missed);
    m->set_precision(p.precision);
  }
  msg.set_decisions(r.decisions);
  msg.set_fraud(r.fraud);
  msg.set_legit(r.legit);
  msg.set_labelled(r.labelled);
  msg.set_labelled_decided(r.labelled_decided);
  set_error(msg, r.error);
  set_origin(msg, r.origin);
  serialize(msg, out);
}

fraud::error decode(const void* data, std::size_t size,
                    labels_add_reply& out) {
  return decode_reply<v1::LabelsAddReply>(
    data, size, out, "LabelsAddReply", [&](const v1::LabelsAddReply& m) {
      out.added = m.added();
      out.changed = m.changed();
      out.unchanged = m.unchanged();
      out.decided = m.decided();
      out.unknown = m.unknown();
    });
}

fraud::error decode(const void* data, std::size_t size, cases_reply& out) {
  return decode_reply<v1::CasesReply>(
    data, size, out, "CasesReply", [&](const v1::CasesReply& m) {
      out.cases.clear();
      for (auto& c : m.cases())
        out.cases.push_back(from_wire(c));
      out.next_cursor = m.next_cursor();
      out.open = m.open();
    });
}

fraud::error decode(const void* data, std::size_t size,
                    case_resolve_reply& out) {
  return decode_reply<v1::CaseResolveReply>(
    data, size, out, "CaseResolveReply", [&](const v1::CaseResolveReply& m) {
      out.resolved = from_wire(m.case_());
    });
}

fraud::error decode(const void* data, std::size_t size, labels_reply& out) {
  return decode_reply<v1::LabelsReply>(
    data, size, out, "LabelsReply", [&](const v1::LabelsReply& m) {
      out.labels.clear();
      for (auto& l : m.labels()) {
        stored_label s;
        s.value = from_wire(l.label());
        s.signer = l.signer();
        s.received_at_ms = l.received_at_ms();
        s.decided = l.decided();
        auto a = static_cast<int>(l.action());
        s.action = a >= 0 && a <= 2 ? static_cast<models::action>(a)
                                    : models::action::decline;
        s.rules.assign(l.rules().begin(), l.rules().end());
        out.labels.push_back(std::move(s));
      }
      out.next_cursor = m.next_cursor();
      out.labelled = m.labelled();
      out.unknown = m.unknown();
    });
}

fraud::error decode(const void* data, std::size_t size,
                    performance_reply& out) {
  return decode_reply<v1::PerformanceReply>(
    data, size, out, "PerformanceReply", [&](const v1::PerformanceReply& m) {
      out.rules.clear();
      for (auto& p : m.rules())
        out.rules.push_back(rule_performance{p.rule(), p.shadow(), p.fired(),
                                             p.fraud(), p.legit(), p.missed(),
                                             p.precision()});
      out.decisions = m.decisions();
      out.fraud = m.fraud();
      out.legit = m.legit();
      out.labelled = m.labelled();
      out.labelled_decided = m.labelled_decided();
    });
}

} // namespace fraud::protocol
