#include "tests/service/hostile_subjects.hpp"

#include <limits>

#include "models/rules/compiled_ruleset.hpp"
#include "protocol/cluster_codec.hpp"
#include "protocol/codec.hpp"
#include "protocol/outcome_codec.hpp"
#include "protocol/query_codec.hpp"
#include "protocol/rules_codec.hpp"
#include "protocol/subjects.hpp"
#include "tests/models/sample_transaction.hpp"

namespace fraud::test {

namespace {

verdict failure(std::string why) {
  return {outcome::failure, std::move(why)};
}

// An error a client can act on: the caller's fault, in words.
verdict judge_error(const fraud::error& e) {
  if (!is_input_error(e.code()))
    return failure("error is not the caller's fault: " + fraud::to_string(e));
  if (e.what().empty())
    return failure("error without words: " + fraud::to_string(e));
  return {outcome::error, {}};
}

// The reply decodes as `Reply`; an error is judged, a request the decoder
// refuses must have had one, and an answer must pass `legit`.
template <class Request, class Reply, class Legit>
verdict judge(const std::string& payload, const std::string& reply,
              Legit legit) {
  Reply r;
  if (protocol::decode(reply.data(), reply.size(), r))
    return failure("the reply is not this subject's reply message");
  if (r.error)
    return judge_error(r.error);
  Request q;
  if (auto refused = protocol::decode(payload.data(), payload.size(), q))
    return failure("answered without an error a request the decoder "
                   "refuses: " + fraud::to_string(refused));
  return legit(q, r);
}

verdict answer() {
  return {outcome::answer, {}};
}

// An unknown verb: the reply says so.
template <class Reply>
verdict judge_unknown(const std::string& reply) {
  Reply r;
  if (protocol::decode(reply.data(), reply.size(), r))
    return failure("the reply is not the expected reply message");
  if (!r.error)
    return failure("an unknown request answered without an error");
  return judge_error(r.error);
}

// fraud.rules.set and .rollback: an error, errors in the text (said line
// by line), or the version now running.
template <class Request>
verdict judge_change(const std::string&, const std::string& payload,
                     const std::string& reply) {
  return judge<Request, protocol::rules_change_reply>(
    payload, reply, [](auto&, auto& r) {
      if (!r.errors.empty())
        return verdict{outcome::error, {}};
      if (!r.version)
        return failure("a change answered without the running version");
      return answer();
    });
}

// fraud.model.set and .rollback: as a rules change, but no model may run
// (a new database, a dry run).
template <class Request>
verdict judge_model_change(const std::string&, const std::string& payload,
                           const std::string& reply) {
  return judge<Request, protocol::rules_change_reply>(
    payload, reply, [](auto&, auto& r) {
      if (!r.errors.empty())
        return verdict{outcome::error, {}};
      return answer();
    });
}

// fraud.rules.get and fraud.rates.get: the version asked for.
verdict judge_get(const std::string&, const std::string& payload,
                  const std::string& reply) {
  return judge<protocol::rules_get_request, protocol::rules_get_reply>(
    payload, reply, [](auto&, auto& r) {
      if (!r.version)
        return failure("answered without the version");
      return answer();
    });
}

// fraud.rules.history and fraud.rates.history: at most `limit` of each.
verdict judge_history(const std::string&, const std::string& payload,
                      const std::string& reply) {
  return judge<protocol::rules_history_request,
               protocol::rules_history_reply>(
    payload, reply, [](auto& q, auto& r) {
      if (r.versions.size() > q.limit || r.activations.size() > q.limit)
        return failure("more entries than the limit");
      return answer();
    });
}

// A subject token as a hostile client might send it: any bytes NATS
// carries in a token (not '.', '*', '>', white space or NUL).
std::string hostile_token(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> byte{0x21, 0xff};
  std::uniform_int_distribution<int> length{1, 100};
  std::string out;
  for (int n = length(rng); n > 0; --n) {
    auto c = static_cast<char>(byte(rng));
    if (c != '.' && c != '*' && c != '>' && c != 0x7f)
      out.push_back(c);
  }
  return out.empty() ? std::string{"\xff"} : out;
}

// <prefix><verb> for a verb fraudd does not know: one of `verbs` (near
// misses, format strings, bytes that are not UTF-8) or any token.
std::function<std::string(std::mt19937_64&)>
unknown_verb(std::string prefix, std::vector<std::string> verbs) {
  return [prefix, verbs](std::mt19937_64& rng) {
    auto pick = rng() % (verbs.size() + 1);
    return prefix + (pick < verbs.size() ? verbs[pick] : hostile_token(rng));
  };
}

std::function<std::string(std::mt19937_64&)> fixed(std::string subject) {
  return [subject](std::mt19937_64&) { return subject; };
}

} // namespace

std::vector<subject_case> hostile_subjects() {
  using K = field_kind;
  namespace s = protocol::subjects;
  using namespace protocol;
  std::vector<subject_case> out;

  // fraud.tx.<card>: a transaction the decoder refuses is rejected, never
  // approved; what it accepts may be scored.
  std::vector<std::string> txs;
  for (int i = 0; i < 4; ++i) {
    auto tx = test::card_tx("card-h1", i, "hostile-tx-" + std::to_string(i));
    if (i % 2 == 1)
      tx = test::online(tx, "device-1");
    if (i == 3) {  // at the limits: the longest device id
      tx.ip = "2001:db8::1";
      tx.device_id = std::string(128, 'd');
    }
    encode_transaction(tx, txs.emplace_back());
  }
  out.push_back(
    {"fraud.tx.<card>",
     {{1, K::text}, {2, K::text}, {3, K::text}, {4, K::int64},
      {5, K::text}, {6, K::text}, {7, K::uint32}, {8, K::text},
      {9, K::real}, {10, K::real}, {11, K::text}, {12, K::text},
      {13, K::enumeration}, {14, K::int64}},
     txs,
     [](std::mt19937_64& rng) {
       auto pick = rng() % 20;
       return std::string{s::tx_prefix}
              + (pick == 0   ? hostile_token(rng)
                 : pick == 1 ? "card-" + std::to_string(rng() % 100)
                             : "card-h1");
     },
     [](const std::string& subject, const std::string& payload,
        const std::string& reply) -> verdict {
       models::decision d;
       decision_envelope env;
       if (decode_decision(reply.data(), reply.size(), d, env))
         return failure("the reply is not a fraud.v1.Decision");
       if (env.error) {
         if (d.action != models::action::decline)
           return failure("a rejected transaction was not declined");
         return judge_error(env.error);
       }
       models::transaction tx;
       if (auto refused = decode_transaction(payload.data(), payload.size(),
                                             tx))
         return failure("a transaction the decoder refuses was scored: "
                        + fraud::to_string(refused));
       if (subject.substr(std::string{s::tx_prefix}.size()) != tx.card_id)
         return failure("scored on another card's subject");
       if (d.tx_id != tx.tx_id)
         return failure("the decision names another transaction");
       return answer();
     }});

  // Queries.
  std::vector<std::string> q(3);
  encode(decision_query{"hostile-tx-0"}, q[0]);
  encode(decision_query{"no-such-tx"}, q[1]);
  encode(decision_query{std::string(64, 'x')}, q[2]);
  out.push_back({s::query_decision, {{1, K::text}}, q,
                 fixed(s::query_decision),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<decision_query, decision_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (!r.decision || r.decision->decision.tx_id != q.tx_id)
                         return failure("answered another decision");
                       return answer();
                     });
                 }});
  q.assign(2, {});
  encode(card_query{"card-h1", 20}, q[0]);
  encode(card_query{"card-h1", max_query_limit}, q[1]);
  out.push_back({s::query_card, {{1, K::text}, {2, K::uint32}}, q,
                 fixed(s::query_card),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<card_query, card_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (r.card_id != q.card_id)
                         return failure("answered another card");
                       if (r.decisions.size() > q.limit)
                         return failure("more decisions than the limit");
                       return answer();
                     });
                 }});
  q.assign(3, {});
  decisions_query dq;
  encode(dq, q[0]);
  dq.action = models::action::decline;
  dq.card_id = "card-h1";
  dq.since_ms = 1;
  dq.until_ms = 4'102'444'800'000;
  dq.rule = "impossible_travel";
  dq.limit = max_query_limit;
  encode(dq, q[1]);
  dq = {};
  dq.cursor = "123456789012345678";
  encode(dq, q[2]);
  out.push_back({s::query_decisions,
                 {{1, K::enumeration}, {2, K::text}, {3, K::int64},
                  {4, K::int64}, {5, K::text}, {6, K::uint32}, {7, K::text}},
                 q, fixed(s::query_decisions),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<decisions_query, decisions_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (r.decisions.size() > q.limit)
                         return failure("more decisions than the limit");
                       return answer();
                     });
                 }});
  // fraud.stats reads no request: whatever comes, the answer is the stats.
  out.push_back({s::stats, {}, {""}, fixed(s::stats),
                 [](auto&, auto&, auto& reply) {
                   stats_reply r;
                   if (decode(reply.data(), reply.size(), r))
                     return failure("the reply is not a fraud.v1.Stats");
                   return answer();
                 }});

  // fraud.query.cluster reads no request either (README: Cluster); outside
  // a cluster the answer says so.
  out.push_back({protocol::cluster_subject, {}, {""},
                 fixed(protocol::cluster_subject),
                 [](auto&, auto&, auto& reply) {
                   protocol::cluster_view v;
                   if (decode(reply.data(), reply.size(), v))
                     return failure("the reply is not a fraud.v1.ClusterStatus");
                   if (v.clustered)
                     return failure("a single fraudd says it is clustered");
                   return answer();
                 }});

  // Rules. A valid change may run (the test puts the original back).
  q.assign(5, {});
  std::string defaults{models::rules::default_rules_text()};
  encode(rules_set_request{defaults, "", "", true}, q[0]);
  encode(rules_set_request{defaults, "hostile", "same text", false}, q[1]);
  encode(rules_set_request{"rule vip: allow when merchant_id in list "
                           "trusted_merchants\nrule big: review when amount "
                           "> 1000 say \"{amount:2} over {limit}\"\n",
                           "hostile", "allow rule", false},
         q[2]);
  encode(rules_set_request{"rule a: decline when country in list x and "
                           "(amount > 1 or not new_device)\n",
                           "hostile", "dry", true},
         q[3]);
  // At the limits: each reason says the device id 140 times, the longest
  // author and reason.
  std::string loud;
  for (int i = 0; i < 32; ++i)
    loud += "rule loud" + std::to_string(i) + ": review when channel == ECOM "
            "say \"" + [] {
              std::string say;
              for (int n = 0; n < 140; ++n)
                say += "{device_id}";
              return say;
            }() + "\"\n";
  encode(rules_set_request{loud, std::string(128, 'a'),
                           std::string(1000, 'r'), false},
         q[4]);
  out.push_back({s::rules_set,
                 {{1, K::text}, {2, K::text}, {3, K::text}, {4, K::boolean}},
                 q, fixed(s::rules_set), judge_change<rules_set_request>});
  q.assign(3, {});
  encode(rules_get_request{0}, q[0]);
  encode(rules_get_request{1}, q[1]);
  encode(rules_get_request{3}, q[2]);
  out.push_back({s::rules_get, {{1, K::uint64}}, q, fixed(s::rules_get),
                 judge_get});
  q.assign(2, {});
  encode(rules_rollback_request{1, "hostile", "back to the start"}, q[0]);
  encode(rules_rollback_request{2, "hostile", "forward again"}, q[1]);
  out.push_back({s::rules_rollback, {{1, K::uint64}, {2, K::text},
                                     {3, K::text}},
                 q, fixed(s::rules_rollback),
                 judge_change<rules_rollback_request>});
  q.assign(2, {});
  encode(rules_history_request{0}, q[0]);
  encode(rules_history_request{max_query_limit}, q[1]);
  out.push_back({s::rules_history, {{1, K::uint32}}, q,
                 fixed(s::rules_history), judge_history});
  q.assign(2, {});
  encode(shadow_query{}, q[0]);
  encode(shadow_query{"impossible_travel", test::t0_ms, 5}, q[1]);
  out.push_back({s::rules_shadow, {{1, K::text}, {2, K::int64},
                                   {3, K::uint32}},
                 q, fixed(s::rules_shadow),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<shadow_query, shadow_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (r.decisions.size() > q.limit)
                         return failure("more decisions than the limit");
                       return answer();
                     });
                 }});
  q.assign(1, {});
  encode(rules_get_request{0}, q[0]);
  out.push_back({"fraud.rules.<unknown>", {{1, K::uint64}}, q,
                 unknown_verb(s::rules_prefix,
                              {"SET", "sets", "delete", "list", "lists",
                               "stats", "set\xc3", "%s%n", "history2"}),
                 [](auto&, auto&, auto& reply) {
                   return judge_unknown<shadow_reply>(reply);
                 }});

  // Outcomes (README: Review queue and outcomes).
  q.assign(2, {});
  constexpr auto confirmed = protocol::outcome::fraud;
  constexpr auto legit = protocol::outcome::legit;
  encode(labels_add{{{"hostile-tx-0", confirmed, "chargeback", 0, ""}}}, q[0]);
  encode(labels_add{{{"no-such-tx", legit, "customer", 1, "n"},
                     {std::string(64, 'x'), confirmed, "c", 2, ""}}},
         q[1]);
  out.push_back({s::labels, {}, q, fixed(s::labels),
                 [](auto&, auto& payload, auto& reply) {
                   labels_add_reply r;
                   if (decode(reply.data(), reply.size(), r))
                     return failure("the reply is not a LabelsAddReply");
                   if (r.error)
                     return judge_error(r.error);
                   labels_add sent;
                   // Any clock: fraudd's is the one that judged the time.
                   if (auto refused = decode(
                         payload.data(), payload.size(), sent,
                         std::numeric_limits<std::int64_t>::max()))
                     return failure("stored labels the decoder refuses: "
                                    + fraud::to_string(refused));
                   if (r.added + r.changed + r.unchanged != sent.labels.size()
                       || r.decided + r.unknown != sent.labels.size())
                     return failure("counted other labels than were sent");
                   return answer();
                 }});
  q.assign(1, {});
  encode(case_resolve{"hostile-tx-0", legit, "fuzz"}, q[0]);
  out.push_back({s::cases_resolve, {{1, K::text}, {2, K::enumeration},
                                    {3, K::text}},
                 q, fixed(s::cases_resolve),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<case_resolve, case_resolve_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (r.resolved.tx_id != q.tx_id)
                         return failure("resolved another case");
                       return answer();
                     });
                 }});
  q.assign(2, {});
  encode(cases_query{}, q[0]);
  encode(cases_query{true, "big", max_query_limit, "1/x/y"}, q[1]);
  out.push_back({s::query_cases, {{1, K::boolean}, {2, K::text},
                                  {3, K::uint32}, {4, K::text}},
                 q, fixed(s::query_cases),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<cases_query, cases_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (r.cases.size() > q.limit)
                         return failure("more cases than the limit");
                       return answer();
                     });
                 }});
  q.assign(2, {});
  encode(labels_query{}, q[0]);
  encode(labels_query{"hostile-tx-0", true, 1, 5, "5/chargeback/x"}, q[1]);
  out.push_back({s::query_labels, {{1, K::text}, {2, K::boolean},
                                   {3, K::int64}, {4, K::uint32},
                                   {5, K::text}},
                 q, fixed(s::query_labels),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<labels_query, labels_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (r.labels.size() > q.limit)
                         return failure("more labels than the limit");
                       return answer();
                     });
                 }});
  q.assign(2, {});
  encode(performance_query{}, q[0]);
  encode(performance_query{test::t0_ms}, q[1]);
  out.push_back({s::query_performance, {{1, K::int64}}, q,
                 fixed(s::query_performance),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<performance_query, performance_reply>(
                     payload, reply, [](auto&, auto&) { return answer(); });
                 }});

  // Rates: the rules' messages on subjects of their own.
  q.assign(3, {});
  encode(rules_set_request{"reference EUR\nEUR 2 1\nUSD 2 1.1\n",
                           "hostile", "rates", false},
         q[0]);
  encode(rules_set_request{"reference EUR\nEUR 2 x\n", "hostile", "bad",
                           false},
         q[1]);
  encode(rules_set_request{std::string(70'000, '#'), "hostile", "big",
                           true},
         q[2]);
  out.push_back({s::rates_set,
                 {{1, K::text}, {2, K::text}, {3, K::text}, {4, K::boolean}},
                 q, fixed(s::rates_set), judge_change<rules_set_request>});
  q.assign(2, {});
  encode(rules_get_request{0}, q[0]);
  encode(rules_get_request{1}, q[1]);
  out.push_back({s::rates_get, {{1, K::uint64}}, q, fixed(s::rates_get),
                 judge_get});
  q.assign(2, {});
  encode(rules_history_request{0}, q[0]);
  encode(rules_history_request{max_query_limit}, q[1]);
  out.push_back({s::rates_history, {{1, K::uint32}}, q,
                 fixed(s::rates_history), judge_history});
  q.assign(2, {});
  encode(rules_rollback_request{1, "hostile", "back"}, q[0]);
  encode(rules_rollback_request{~std::uint64_t{0}, "hostile", "far"}, q[1]);
  out.push_back({s::rates_rollback, {{1, K::uint64}, {2, K::text},
                                     {3, K::text}},
                 q, fixed(s::rates_rollback),
                 judge_change<rules_rollback_request>});
  q.assign(1, {});
  encode(rules_get_request{0}, q[0]);
  out.push_back({"fraud.rates.<unknown>", {{1, K::uint64}}, q,
                 unknown_verb(s::rates_prefix,
                              {"SET", "ROLLBACK", "shadow", "delete",
                               "set\xc3", "%s%n"}),
                 [](auto&, auto&, auto& reply) {
                   return judge_unknown<rules_change_reply>(reply);
                 }});

  // The model: the rules' messages on subjects of their own.
  q.assign(3, {});
  encode(rules_set_request{"{\"learner\": {}}", "hostile", "model", false},
         q[0]);
  encode(rules_set_request{std::string(70'000, '{'), "hostile", "deep",
                           false},
         q[1]);
  encode(rules_set_request{"[1e999999, \"\\ud800\"]", "hostile", "odd",
                           true},
         q[2]);
  out.push_back({s::model_set,
                 {{1, K::text}, {2, K::text}, {3, K::text}, {4, K::boolean}},
                 q, fixed(s::model_set),
                 judge_model_change<rules_set_request>});
  q.assign(2, {});
  encode(rules_rollback_request{1, "hostile", "back"}, q[0]);
  encode(rules_rollback_request{~std::uint64_t{0}, "hostile", "far"}, q[1]);
  out.push_back({s::model_rollback,
                 {{1, K::uint64}, {2, K::text}, {3, K::text}}, q,
                 fixed(s::model_rollback),
                 judge_model_change<rules_rollback_request>});
  q.assign(2, {});
  encode(rules_get_request{0}, q[0]);
  encode(rules_get_request{1}, q[1]);
  out.push_back({s::model_get, {{1, K::uint64}}, q, fixed(s::model_get),
                 judge_get});
  q.assign(2, {});
  encode(rules_history_request{0}, q[0]);
  encode(rules_history_request{max_query_limit}, q[1]);
  out.push_back({s::model_history, {{1, K::uint32}}, q,
                 fixed(s::model_history), judge_history});
  q.assign(1, {});
  encode(rules_get_request{0}, q[0]);
  out.push_back({"fraud.model.<unknown>", {{1, K::uint64}}, q,
                 unknown_verb(s::model_prefix,
                              {"SET", "shadow", "delete", "set\xc3", "%s%n"}),
                 [](auto&, auto&, auto& reply) {
                   return judge_unknown<rules_change_reply>(reply);
                 }});

  // Lists.
  q.assign(2, {});
  // At the limits: the longest author and reason, on a thousand values
  // (together more than one reply can carry).
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i)
    many.push_back("m-" + std::to_string(i));
  encode(list_change{"blocked_merchants", many, std::string(128, 'a'),
                     std::string(1000, 'r')},
         q[0]);
  encode(list_change{"trusted_merchants", {"merchant-1"}, "hostile", "fuzz"},
         q[1]);
  auto list_change_shape = std::vector<test::field_spec>{
    {1, K::text}, {2, K::texts}, {3, K::text}, {4, K::text}};
  auto judge_list_change = [](auto&, auto& payload, auto& reply) {
    return judge<list_change, list_change_reply>(
      payload, reply, [](auto& q, auto& r) {
        if (r.changed > q.values.size())
          return failure("changed more values than were sent");
        return answer();
      });
  };
  out.push_back({s::lists_add, list_change_shape, q, fixed(s::lists_add),
                 judge_list_change});
  out.push_back({s::lists_remove, list_change_shape, q,
                 fixed(s::lists_remove), judge_list_change});
  q.assign(2, {});
  encode(lists_query{""}, q[0]);
  encode(lists_query{"blocked_merchants"}, q[1]);
  out.push_back({s::lists_get, {{1, K::text}}, q, fixed(s::lists_get),
                 [](auto&, auto& payload, auto& reply) {
                   return judge<lists_query, lists_reply>(
                     payload, reply, [](auto& q, auto& r) {
                       if (!q.list.empty()
                           && (r.lists.size() != 1 || r.lists[0].name != q.list))
                         return failure("answered another list");
                       return answer();
                     });
                 }});
  q.assign(1, {});
  encode(list_change{"blocked_merchants", {"m-1"}, "hostile", "fuzz"}, q[0]);
  out.push_back({"fraud.lists.<unknown>", list_change_shape, q,
                 unknown_verb(s::lists_prefix,
                              {"ADD", "adds", "delete", "clear", "set", "put",
                               "get\xff", "%s%n", "remove2"}),
                 [](auto&, auto&, auto& reply) {
                   return judge_unknown<list_change_reply>(reply);
                 }});
  return out;
}

} // namespace fraud::test
