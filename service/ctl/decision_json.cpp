#include "service/ctl/decision_json.hpp"

#include <cctype>
#include <cstdio>

namespace fraud::service {

namespace {

std::string upper(const char* s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

nlohmann::json to_json(const models::decision& d,
                       const protocol::decision_envelope& env) {
  nlohmann::json j;
  j["tx_id"] = d.tx_id;
  j["card_id"] = d.card_id;
  j["action"] = upper(models::to_string(d.action));
  j["score"] = d.score;
  for (auto* list : {&d.reasons, &d.shadow_reasons}) {
    auto reasons = nlohmann::json::array();
    for (auto& r : *list)
      reasons.push_back({{"rule", r.rule},
                         {"detail", r.detail},
                         {"value", r.value},
                         {"threshold", r.threshold},
                         {"score", r.score}});
    j[list == &d.reasons ? "reasons" : "shadow_reasons"] = std::move(reasons);
  }
  j["ruleset_version"] = d.ruleset_version;
  j["model_version"] = d.model_version;
  j["model_score"] = d.model_score;
  j["event_time_ms"] = d.event_time_ms;
  j["amount_minor"] = d.amount_minor;
  j["currency"] = d.currency;
  j["merchant_id"] = d.merchant_id;
  j["mcc"] = d.mcc;
  j["country"] = d.country;
  j["channel"] = upper(models::to_string(d.channel));
  j["decided_at_ms"] = env.decided_at_ms;
  j["service_latency_ns"] = env.service_latency_ns;
  if (env.error)
    j["error"] = {{"code", protocol::wire_name(env.error.code())},
                  {"field", env.error.field()},
                  {"message", env.error.what()}};
  return j;
}

std::string to_table(const models::decision& d,
                     const protocol::decision_envelope& env) {
  std::string out;
  char line[512];
  auto row = [&](const char* key, const std::string& value) {
    std::snprintf(line, sizeof(line), "%-16s %s\n", key, value.c_str());
    out += line;
  };
  row("tx_id", d.tx_id);
  row("card_id", d.card_id);
  row("action", upper(models::to_string(d.action)));
  row("score", std::to_string(d.score));
  if (env.error) {
    row("rejected", std::string{protocol::wire_name(env.error.code())}
                      + (env.error.field().empty() ? ""
                                                   : " (" + env.error.field()
                                                       + ")")
                      + ": " + env.error.what());
  } else {
    row("ruleset", d.ruleset_version);
    if (d.model_version.empty()) {
      row("model", "none");
    } else {
      std::snprintf(line, sizeof(line), "%s, model_score %.6f",
                    d.model_version.c_str(), d.model_score);
      row("model", line);
    }
  }
  std::snprintf(line, sizeof(line), "%.1f us",
                static_cast<double>(env.service_latency_ns) / 1000.0);
  row("service latency", line);
  if (d.reasons.empty() && !env.error)
    row("reasons", "none: no rule fired");
  for (auto* list : {&d.reasons, &d.shadow_reasons})
    for (auto& r : *list) {
      std::snprintf(line, sizeof(line), "%s (%+d): %s", r.rule.c_str(),
                    r.score, r.detail.c_str());
      row(list == &d.reasons ? "reason" : "shadow reason", line);
    }
  return out;
}


nlohmann::json to_json(const protocol::review_case& k) {
  return {{"tx_id", k.tx_id},
          {"card_id", k.card_id},
          {"state", protocol::to_string(k.state)},
          {"score", k.score},
          {"rules", k.rules},
          {"amount_minor", k.amount_minor},
          {"currency", k.currency},
          {"merchant_id", k.merchant_id},
          {"opened_at_ms", k.opened_at_ms},
          {"resolved_by", k.resolved_by},
          {"resolved_at_ms", k.resolved_at_ms},
          {"note", k.note}};
}

nlohmann::json to_json(const protocol::stored_label& l) {
  nlohmann::json j{{"tx_id", l.value.tx_id},
                   {"outcome", protocol::to_string(l.value.result)},
                   {"source", l.value.source},
                   {"at_ms", l.value.at_ms},
                   {"note", l.value.note},
                   {"signer", l.signer},
                   {"received_at_ms", l.received_at_ms},
                   {"decided", l.decided}};
  if (l.decided) {
    j["action"] = models::to_string(l.action);
    j["rules"] = l.rules;
  }
  return j;
}

} // namespace fraud::service
