#include "protocol/rules_codec.hpp"

#include "models/rules/rule_lists.hpp"
#include "models/rules/detail/rule_parser.hpp"
#include "protocol/wire_detail.hpp"

namespace fraud::protocol {

static_assert(max_rules_text_bytes == models::rules::max_text_size,
              "a request may carry no more text than the compiler takes");

namespace {

using namespace detail;

// Who and why, each within its bound (also on a dry run, which keeps
// neither: the bound is on what a request may carry).
fraud::error check_lengths(const std::string& author,
                           const std::string& reason) {
  if (author.size() > max_author_bytes)
    return limit_exceeded("author", "at most "
                                      + std::to_string(max_author_bytes)
                                      + " bytes, this one has "
                                      + std::to_string(author.size()));
  if (reason.size() > max_reason_bytes)
    return limit_exceeded("reason", "at most "
                                      + std::to_string(max_reason_bytes)
                                      + " bytes, this one has "
                                      + std::to_string(reason.size()));
  return {};
}

// Who and why: every change to rules or lists must say both.
fraud::error check_signature(const std::string& author,
                                          const std::string& reason) {
  if (auto err = check_lengths(author, reason))
    return err;
  if (author.empty())
    return bad_request("author", "must be 1 to 128 characters: who makes "
                                 "the change");
  if (reason.empty())
    return bad_request("reason", "must be 1 to 1000 characters: why");
  return {};
}

void fill(v1::RulesVersion& m, const rules_version& v) {
  m.set_version(v.version);
  m.set_name(v.name);
  m.set_author(v.author);
  m.set_reason(v.reason);
  m.set_created_at_ms(v.created_at_ms);
  m.set_rules(v.rules);
  m.set_running(v.running);
  m.set_signer(v.signer);
}

rules_version read(const v1::RulesVersion& m) {
  return rules_version{m.version(),       m.name(),  m.author(),
                       m.reason(),        m.created_at_ms(), m.rules(),
                       m.running(),       m.signer()};
}

void fill(google::protobuf::RepeatedPtrField<v1::RuleError>& out,
          const std::vector<models::rules::rule_diagnostic>& errors) {
  for (auto& e : errors) {
    auto* m = out.Add();
    m->set_line(static_cast<std::uint32_t>(e.line));
    m->set_column(static_cast<std::uint32_t>(e.column));
    m->set_message(valid_utf8(e.message));
  }
}

std::vector<models::rules::rule_diagnostic>
read(const google::protobuf::RepeatedPtrField<v1::RuleError>& in) {
  std::vector<models::rules::rule_diagnostic> out;
  for (auto& m : in)
    out.push_back(models::rules::rule_diagnostic{static_cast<int>(m.line()),
                                            static_cast<int>(m.column()),
                                            m.message()});
  return out;
}

} // namespace

// ---- requests ----------------------------------------------------------

fraud::error decode(const void* data, std::size_t size,
                                 rules_set_request& out) {
  v1::RulesSet msg;
  if (!parse(msg, data, size))
    return malformed("RulesSet");
  out.text = msg.text();
  out.author = msg.author();
  out.reason = msg.reason();
  out.dry_run = msg.dry_run();
  if (out.text.size() > max_rules_text_bytes)
    return limit_exceeded("text", "a rule text is at most "
                                    + std::to_string(max_rules_text_bytes)
                                    + " bytes, this one has "
                                    + std::to_string(out.text.size()));
  return out.dry_run ? check_lengths(out.author, out.reason)
                     : check_signature(out.author, out.reason);
}

fraud::error decode(const void* data, std::size_t size,
                                 rules_get_request& out) {
  v1::RulesGet msg;
  if (!parse(msg, data, size))
    return malformed("RulesGet");
  out.version = msg.version();
  return {};
}

fraud::error decode(const void* data, std::size_t size,
                                 rules_rollback_request& out) {
  v1::RulesRollback msg;
  if (!parse(msg, data, size))
    return malformed("RulesRollback");
  out.version = msg.version();
  out.author = msg.author();
  out.reason = msg.reason();
  if (out.version == 0)
    return bad_request("version", "must name the version to return to");
  return check_signature(out.author, out.reason);
}

fraud::error decode(const void* data, std::size_t size,
                                 rules_history_request& out) {
  v1::RulesHistory msg;
  if (!parse(msg, data, size))
    return malformed("RulesHistory");
  out.limit = msg.limit();
  return check_limit(out.limit, 20);
}

fraud::error decode(const void* data, std::size_t size,
                                 shadow_query& out) {
  v1::ShadowQuery msg;
  if (!parse(msg, data, size))
    return malformed("ShadowQuery");
  out.rule = msg.rule();
  out.since_ms = msg.since_ms();
  out.limit = msg.limit();
  out.cursor = msg.cursor();
  if (out.rule.size() > 64)
    return bad_request("rule", "must be at most 64 characters");
  if (out.since_ms < 0)
    return bad_request("since_ms", "must not be negative");
  if (auto err = check_cursor(out.cursor))
    return err;
  return check_limit(out.limit, 20);
}

fraud::error decode(const void* data, std::size_t size,
                                 list_change& out) {
  v1::ListChange msg;
  if (!parse(msg, data, size))
    return malformed("ListChange");
  out.list = msg.list();
  out.values.assign(msg.values().begin(), msg.values().end());
  out.author = msg.author();
  out.reason = msg.reason();
  if (!models::rules::valid_list_name(out.list))
    return bad_request("list", "must be [a-z_][a-z0-9_]*, up to 64 "
                               "characters");
  if (out.values.size() > max_list_change)
    return limit_exceeded("values", "at most "
                                      + std::to_string(max_list_change)
                                      + " values a request, this one has "
                                      + std::to_string(out.values.size()));
  if (out.values.empty())
    return bad_request("values", "must hold 1 to "
                                   + std::to_string(max_list_change)
                                   + " values");
  for (auto& v : out.values) {
    if (v.size() > max_list_value_bytes)
      return limit_exceeded("values", "a value is at most "
                                        + std::to_string(max_list_value_bytes)
                                        + " bytes, '" + v.substr(0, 40)
                                        + "...' has "
                                        + std::to_string(v.size()));
    if (!models::rules::valid_list_value(v))
      return bad_request("values", "'" + v.substr(0, 140)
                                     + "' is not 1 to 128 printable "
                                       "characters without spaces");
  }
  return check_signature(out.author, out.reason);
}

fraud::error decode(const void* data, std::size_t size,
                                 lists_query& out) {
  v1::ListsQuery msg;
  if (!parse(msg, data, size))
    return malformed("ListsQuery");
  out.list = msg.list();
  out.limit = msg.limit();
  out.cursor = msg.cursor();
  if (!out.list.empty() && !models::rules::valid_list_name(out.list))
    return bad_request("list", "must be [a-z_][a-z0-9_]*, up to 64 "
                               "characters");
  if (!out.cursor.empty() && !models::rules::valid_list_value(out.cursor))
    return bad_request("cursor", "must be a next_cursor from an earlier "
                                 "reply");
  return check_limit(out.limit, max_query_limit);
}

void encode(const rules_set_request& r, std::string& out) {
  v1::RulesSet msg;
  msg.set_text(r.text);
  msg.set_author(r.author);
  msg.set_reason(r.reason);
  msg.set_dry_run(r.dry_run);
  serialize(msg, out);
}

void encode(const rules_get_request& r, std::string& out) {
  v1::RulesGet msg;
  msg.set_version(r.version);
  serialize(msg, out);
}

void encode(const rules_rollback_request& r, std::string& out) {
  v1::RulesRollback msg;
  msg.set_version(r.version);
  msg.set_author(r.author);
  msg.set_reason(r.reason);
  serialize(msg, out);
}

void encode(const rules_history_request& r, std::string& out) {
  v1::RulesHistory msg;
  msg.set_limit(r.limit);
  serialize(msg, out);
}

void encode(const shadow_query& r, std::string& out) {
  v1::ShadowQuery msg;
  msg.set_rule(r.rule);
  msg.set_since_ms(r.since_ms);
  msg.set_limit(r.limit);
  msg.set_cursor(r.cursor);
  serialize(msg, out);
}

void encode(const list_change& r, std::string& out) {
  v1::ListChange msg;
  msg.set_list(r.list);
  for (auto& v : r.values)
    msg.add_values(v);
  msg.set_author(r.author);
  msg.set_reason(r.reason);
  serialize(msg, out);
}

void encode(const lists_query& r, std::string& out) {
  v1::ListsQuery msg;
  msg.set_list(r.list);
  msg.set_limit(r.limit);
  msg.set_cursor(r.cursor);
  serialize(msg, out);
}

// ---- replies -------------------------------------------------------------

void encode(const rules_change_reply& r, std::string& out) {
  v1::RulesChangeReply msg;
  if (r.version)
    fill(*msg.mutable_version(), *r.version);
  fill(*msg.mutable_errors(), r.errors);
  fill(*msg.mutable_warnings(), r.warnings);
  set_error(msg, r.error);
  serialize(msg, out);
}

void encode(const rules_get_reply& r, std::string& out) {
  v1::RulesGetReply msg;
  if (r.version)
    fill(*msg.mutable_version(), *r.version);
  msg.set_text(r.text);
  set_error(msg, r.error);
  serialize(msg, out);
}

void encode(const rules_history_reply& r, std::string& out) {
  v1::RulesHistoryReply msg;
  for (auto& v : r.versions)
    fill(*msg.add_versions(), v);
  for (auto& a : r.activations) {
    auto* m = msg.add_activations();
    m->set_version(a.version);
    m->set_author(a.author);
    m->set_reason(a.reason);
    m->set_activated_at_ms(a.activated_at_ms);
    m->set_kind(a.kind);
    m->set_signer(a.signer);
  }
  set_error(msg, r.error);
  serialize(msg, out);
}

void encode_shadow_reply(const std::vector<shadow_rule_hits>& rules,
                         const std::vector<std::string>& decisions,
                         const std::string& next_cursor,
                         const fraud::error& error,
                         std::string& out) {
  v1::ShadowReply msg;
  for (auto& h : rules) {
    auto* m = msg.add_rules();
    m->set_rule(h.rule);
    m->set_fired(h.fired);
    m->set_approved(h.approved);
    m->set_reviewed(h.reviewed);
    m->set_declined(h.declined);
  }
  for (auto& d : decisions)
    msg.add_decisions()->ParseFromString(d);
  msg.set_next_cursor(next_cursor);
  set_error(msg, error);
  serialize(msg, out);
}

void encode(const list_change_reply& r, std::string& out) {
  v1::ListChangeReply msg;
  msg.set_changed(r.changed);
  msg.set_size(r.size);
  set_error(msg, r.error);
  serialize(msg, out);
}

void encode(const lists_reply& r, std::string& out) {
  v1::ListsReply msg;
  for (auto& l : r.lists) {
    auto* m = msg.add_lists();
    m->set_name(l.name);
    m->set_size(l.size);
    for (auto& e : l.entries) {
      auto* me = m->add_entries();
      me->set_value(e.value);
      me->set_author(e.author);
      me->set_reason(e.reason);
      me->set_added_at_ms(e.added_at_ms);
      me->set_signer(e.signer);
    }
  }
  msg.set_next_cursor(r.next_cursor);
  set_error(msg, r.error);
  serialize(msg, out);
}

namespace {

bool read_ruleschangereply(const void* data, std::size_t size, rules_change_reply& out) {
  v1::RulesChangeReply msg;
  if (!parse(msg, data, size))
    return false;
  out.version.reset();
  if (msg.has_version())
    out.version = read(msg.version());
  out.errors = read(msg.errors());
  out.warnings = read(msg.warnings());
  out.error = get_error(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, rules_change_reply& out) {
  if (!read_ruleschangereply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.RulesChangeReply protobuf message"};
  return {};
}

namespace {

bool read_rulesgetreply(const void* data, std::size_t size, rules_get_reply& out) {
  v1::RulesGetReply msg;
  if (!parse(msg, data, size))
    return false;
  out.version.reset();
  if (msg.has_version())
    out.version = read(msg.version());
  out.text = msg.text();
  out.error = get_error(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, rules_get_reply& out) {
  if (!read_rulesgetreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.RulesGetReply protobuf message"};
  return {};
}

namespace {

bool read_ruleshistoryreply(const void* data, std::size_t size, rules_history_reply& out) {
  v1::RulesHistoryReply msg;
  if (!parse(msg, data, size))
    return false;
  out.versions.clear();
  for (auto& v : msg.versions())
    out.versions.push_back(read(v));
  out.activations.clear();
  for (auto& a : msg.activations())
    out.activations.push_back(rules_activation{
      a.version(), a.author(), a.reason(), a.activated_at_ms(), a.kind(),
      a.signer()});
  out.error = get_error(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, rules_history_reply& out) {
  if (!read_ruleshistoryreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.RulesHistoryReply protobuf message"};
  return {};
}

namespace {

bool read_shadowreply(const void* data, std::size_t size, shadow_reply& out) {
  v1::ShadowReply msg;
  if (!parse(msg, data, size))
    return false;
  out.rules.clear();
  for (auto& h : msg.rules())
    out.rules.push_back(shadow_rule_hits{h.rule(), h.fired(), h.approved(),
                                         h.reviewed(), h.declined()});
  out.decisions.clear();
  for (auto& d : msg.decisions()) {
    decision_view v;
    if (!detail::from_message(d, v.decision, v.env))
      return false;
    out.decisions.push_back(std::move(v));
  }
  out.next_cursor = msg.next_cursor();
  out.error = get_error(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, shadow_reply& out) {
  if (!read_shadowreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.ShadowReply protobuf message"};
  return {};
}

namespace {

bool read_listchangereply(const void* data, std::size_t size, list_change_reply& out) {
  v1::ListChangeReply msg;
  if (!parse(msg, data, size))
    return false;
  out.changed = msg.changed();
  out.size = msg.size();
  out.error = get_error(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, list_change_reply& out) {
  if (!read_listchangereply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.ListChangeReply protobuf message"};
  return {};
}

namespace {

bool read_listsreply(const void* data, std::size_t size, lists_reply& out) {
  v1::ListsReply msg;
  if (!parse(msg, data, size))
    return false;
  out.lists.clear();
  for (auto& l : msg.lists()) {
    named_list n{l.name(), l.size(), {}};
    for (auto& e : l.entries())
      n.entries.push_back(
        list_entry{e.value(), e.author(), e.reason(), e.added_at_ms(),
                   e.signer()});
    out.lists.push_back(std::move(n));
  }
  out.next_cursor = msg.next_cursor();
  out.error = get_error(msg);
  return true;
}

} // namespace

fraud::error decode(const void* data, std::size_t size, lists_reply& out) {
  if (!read_listsreply(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.ListsReply protobuf message"};
  return {};
}

} // namespace fraud::protocol
