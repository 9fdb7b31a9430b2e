// fraudctl decision | card | decisions | stats: ask the decision store and
// the live service, print tables for people or JSON for scripts.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "protocol/query_codec.hpp"
#include "protocol/subjects.hpp"
#include "protocol/merged_cursor.hpp"
#include "service/client/clock.hpp"
#include "service/client/query_merge.hpp"
#include "service/ctl/ctl.hpp"
#include "service/ctl/ctl_gather.hpp"
#include "service/ctl/decision_json.hpp"

namespace fraud::ctl {

namespace {

using json = nlohmann::json;

std::string rules_of(const models::decision& d) {
  std::string out;
  for (auto& r : d.reasons) {
    if (!out.empty())
      out += ",";
    out += r.rule;
  }
  return out.empty() ? "-" : out;
}

void print_rows(const std::vector<protocol::decision_view>& rows) {
  std::printf("%-23s  %-20s  %-16s  %-7s  %5s  %16s  %s\n", "decided at (UTC)",
              "tx_id", "card_id", "action", "score", "amount", "rules");
  for (auto& v : rows) {
    auto& d = v.decision;
    std::printf("%-23s  %-20s  %-16s  %-7s  %5d  %16s  %s\n",
                format_time(v.env.decided_at_ms).c_str(), d.tx_id.c_str(),
                d.card_id.c_str(), models::to_string(d.action), d.score,
                format_amount(d.amount_minor, d.currency).c_str(),
                rules_of(d).c_str());
  }
}

json rows_json(const std::vector<protocol::decision_view>& rows) {
  auto out = json::array();
  for (auto& v : rows)
    out.push_back(service::to_json(v.decision, v.env));
  return out;
}

json latency_json(const protocol::latency_summary& l) {
  return {{"count", l.count},   {"p50", l.p50_us},   {"p90", l.p90_us},
          {"p99", l.p99_us},    {"p999", l.p999_us}, {"max", l.max_us}};
}

bool parse_action(const std::string& s, models::action& out) {
  if (s == "approve" || s == "APPROVE")
    out = models::action::approve;
  else if (s == "review" || s == "REVIEW")
    out = models::action::review;
  else if (s == "decline" || s == "DECLINE")
    out = models::action::decline;
  else
    return false;
  return true;
}

} // namespace

int run_decision(const common_options& c, const std::string& tx_id) {
  answered_by who;
  int rc = ok;
  auto r = ask_merged<protocol::decision_reply>(
    c, protocol::subjects::query_decision,
    protocol::decision_query{tx_id}, who, service::merge_decision, rc);
  if (!r)
    return rc;
  if (!r->decision)
    return failure;
  auto& v = *r->decision;
  if (c.json) {
    auto j = service::to_json(v.decision, v.env);
    add_answered(j, who);
    std::printf("%s\n", j.dump(2).c_str());
    return ok;
  }
  std::printf("%s", service::to_table(v.decision, v.env).c_str());
  print_answered(who);
  return ok;
}

int run_card(const common_options& c, const std::string& card_id,
             std::uint32_t limit) {
  answered_by who;
  int rc = ok;
  auto reply = ask_merged<protocol::card_reply>(
    c, protocol::subjects::query_card,
    protocol::card_query{card_id, limit}, who,
    [&](auto& replies) { return service::merge_card(replies, limit); }, rc);
  if (!reply)
    return rc;
  auto& r = *reply;
  auto& s = r.card;
  if (c.json) {
    json j{{"card_id", r.card_id}, {"active", r.active}};
    if (r.active)
      j["state"] = {{"tx_count", s.tx_count},
                    {"last_event_ms", s.last_event_ms},
                    {"has_location", s.has_location},
                    {"last_lat", s.last_lat},
                    {"last_lon", s.last_lon},
                    {"last_located_ms", s.last_located_ms},
                    {"avg_amount", s.avg_amount},
                    {"amount_stddev", s.amount_stddev},
                    {"device_count", s.device_count},
                    {"country_count", s.country_count},
                    {"home_country", s.home_country},
                    {"count_1h", s.count_1h},
                    {"count_24h", s.count_24h}};
    j["decisions"] = rows_json(r.decisions);
    j["next_cursor"] = r.next_cursor;
    add_answered(j, who);
    std::printf("%s\n", j.dump(2).c_str());
    return ok;
  }
  std::printf("card %s: %s\n", r.card_id.c_str(),
              r.active ? "active" : "not active (no state in memory)");
  if (r.active) {
    std::printf("  transactions     %u (last at %s)\n", s.tx_count,
                format_time(s.last_event_ms).c_str());
    if (s.has_location)
      std::printf("  last location    %.4f, %.4f at %s\n", s.last_lat,
                  s.last_lon, format_time(s.last_located_ms).c_str());
    std::printf("  average amount   %.2f (spread %.2f)\n", s.avg_amount,
                s.amount_stddev);
    std::printf("  devices          %u\n", s.device_count);
    std::printf("  countries        %u (home %s)\n", s.country_count,
                s.home_country.empty() ? "-" : s.home_country.c_str());
    std::printf("  velocity         %u in the last hour, %u in 24 hours\n",
                s.count_1h, s.count_24h);
  }
  std::printf("\nlatest decisions:\n");
  print_rows(r.decisions);
  if (!r.next_cursor.empty())
    std::printf("older: fraudctl decisions --card %s --cursor %s\n",
                r.card_id.c_str(), r.next_cursor.c_str());
  print_answered(who);
  return ok;
}

int run_decisions(const common_options& c, const decisions_options& o) {
  protocol::decisions_query q;
  if (!o.action.empty()) {
    models::action a;
    if (!parse_action(o.action, a))
      return usage_error("--action must be approve, review or decline");
    q.action = a;
  }
  if (!parse_time(o.since, q.since_ms))
    return usage_error("--since takes a duration like 10m, 2h, 7d or Unix ms");
  if (!parse_time(o.until, q.until_ms))
    return usage_error("--until takes a duration like 10m, 2h, 7d or Unix ms");
  q.card_id = o.card;
  q.rule = o.rule;
  q.limit = o.limit;
  q.cursor = o.cursor;
  auto conn = connect(c, service::nats_role::viewer);
  if (!conn)
    return failure;
  answered_by who;
  std::vector<protocol::decision_view> all;
  std::string next;
  for (;;) {
    int rc = ok;
    auto r = ask_merged<protocol::decisions_reply>(
      *conn, c, protocol::subjects::query_decisions, q, who,
      [&](auto& replies) {
        return service::merge_decisions(replies, q.limit, q.cursor);
      },
      rc);
    if (!r)
      return rc;
    if (!q.cursor.empty() && !protocol::is_merged_cursor(q.cursor)
        && who.several())
      std::fprintf(stderr, "fraudctl: --cursor %s is a position in one "
                           "instance's store, but several answered: page "
                           "with the cursors fraudctl prints here\n",
                   q.cursor.c_str());
    for (auto& d : r->decisions)
      all.push_back(std::move(d));
    next = r->next_cursor;
    if (!o.all || next.empty())
      break;
    q.cursor = next;
  }
  if (c.json) {
    json j{{"decisions", rows_json(all)}, {"next_cursor", next}};
    add_answered(j, who);
    std::printf("%s\n", j.dump(2).c_str());
    return ok;
  }
  print_rows(all);
  std::printf("%zu decisions", all.size());
  if (!next.empty())
    std::printf("; more with --cursor %s (or --all)", next.c_str());
  std::printf("\n");
  print_answered(who);
  return ok;
}

int run_stats(const common_options& c) {
  answered_by who;
  int rc = ok;
  auto reply = ask_merged<protocol::stats_reply>(
    c, protocol::subjects::stats, protocol::stats_query{}, who,
    service::merge_stats, rc);
  if (!reply)
    return rc;
  auto& s = *reply;
  if (c.json) {
    json hits = json::object();
    for (auto& [rule, n] : s.rule_hits)
      hits[rule] = n;
    json j{{"uptime_ms", s.uptime_ms},
           {"received", s.received},
           {"approved", s.approved},
           {"reviewed", s.reviewed},
           {"declined", s.declined},
           {"rejected", s.rejected},
           {"rejected_by_reason",
            {{"malformed", s.rejected_malformed},
             {"invalid_field", s.rejected_invalid},
             {"subject_mismatch", s.rejected_subject},
             {"shutting_down", s.rejected_shutdown},
             {"overloaded", s.rejected_overloaded}}},
           {"duplicates", s.duplicates},
           {"active_cards", s.active_cards},
           {"cards_activated", s.cards_activated},
           {"latency_us_last_minute", latency_json(s.latency_last_minute)},
           {"latency_us_since_start", latency_json(s.latency_since_start)},
           {"card_state", {{"passivations", s.passivations},
                           {"restored", s.restored},
                           {"snapshot_backlog", s.snapshot_backlog},
                           {"snapshot_backlog_bytes",
                            s.snapshot_backlog_bytes},
                           {"snapshots_written", s.snapshots_written},
                           {"snapshot_errors", s.snapshot_errors},
                           {"snapshot_corrupt", s.snapshot_corrupt},
                           {"snapshot_dropped", s.snapshot_dropped}}},
           {"entities",
            {{"active", s.entities_active},
             {"activated", s.entities_activated},
             {"passivations", s.entity_passivations},
             {"misses", s.entity_misses},
             {"shared_sent", s.entity_observations_sent},
             {"shared_dropped", s.entity_observations_dropped},
             {"shared_received", s.entity_observations_received},
             {"shared_refused", s.entity_observations_refused}}},
           {"store", {{"backlog", s.store_backlog},
                      {"backlog_bytes", s.store_backlog_bytes},
                      {"written", s.store_written},
                      {"dropped", s.store_dropped},
                      {"errors", s.store_errors}}},
           {"rule_hits", hits},
           {"ruleset_version", s.ruleset_version},
           {"model_version", s.model_version},
           {"models_refused", s.models_refused},
           {"nats_dropped", s.nats_dropped},
           {"ingress", {{"pending", s.ingress_pending},
                        {"pending_bytes", s.ingress_pending_bytes},
                        {"pending_max", s.ingress_pending_max},
                        {"queue_delay_ms", s.queue_delay_ms},
                        {"queue_delay_max_ms", s.queue_delay_max_ms},
                        {"slow_consumer_events", s.slow_consumer_events}}},
           {"resends", {{"duplicates", s.duplicates},
                        {"read_from_store", s.resend_reads},
                        {"refused", s.resend_refused}}},
           {"publish_errors", s.publish_errors},
           {"requests_limited", s.requests_limited},
           {"outcomes", {{"cases_opened", s.cases_opened},
                         {"cases_resolved", s.cases_resolved},
                         {"labels_added", s.labels_added},
                         {"labels_unchanged", s.labels_unchanged},
                         {"labels_refused", s.labels_refused}}}};
    add_answered(j, who);
    std::printf("%s\n", j.dump(2).c_str());
    return ok;
  }
  std::printf("uptime           %.1f s\n", s.uptime_ms / 1000.0);
  std::printf("ruleset          %s%s\n", s.ruleset_version.c_str(),
              s.ruleset_version.find(',') != std::string::npos
                ? " (the instances run different ones)"
                : "");
  std::printf("model            %s%s; refused %llu\n",
              s.model_version.empty() ? "none" : s.model_version.c_str(),
              s.model_version.find(',') != std::string::npos
                ? " (the instances run different ones)"
                : "",
              (unsigned long long)s.models_refused);
  std::printf("received         %llu\n", (unsigned long long)s.received);
  std::printf("decided          approve %llu, review %llu, decline %llu\n",
              (unsigned long long)s.approved, (unsigned long long)s.reviewed,
              (unsigned long long)s.declined);
  std::printf("rejected         %llu (malformed %llu, invalid %llu, subject "
              "%llu, shutting down %llu, overloaded %llu)\n",
              (unsigned long long)s.rejected,
              (unsigned long long)s.rejected_malformed,
              (unsigned long long)s.rejected_invalid,
              (unsigned long long)s.rejected_subject,
              (unsigned long long)s.rejected_shutdown,
              (unsigned long long)s.rejected_overloaded);
  std::printf("duplicates       %llu (read from the store %llu, refused "
              "%llu)\n",
              (unsigned long long)s.duplicates,
              (unsigned long long)s.resend_reads,
              (unsigned long long)s.resend_refused);
  std::printf("waiting to read  %llu (%llu bytes; most %llu), about %.1f ms "
              "(most %.1f); slow-consumer events %llu\n",
              (unsigned long long)s.ingress_pending,
              (unsigned long long)s.ingress_pending_bytes,
              (unsigned long long)s.ingress_pending_max, s.queue_delay_ms,
              s.queue_delay_max_ms,
              (unsigned long long)s.slow_consumer_events);
  std::printf("cards            %llu active, %llu activated, %llu "
              "restored, %llu passivated\n",
              (unsigned long long)s.active_cards,
              (unsigned long long)s.cards_activated,
              (unsigned long long)s.restored,
              (unsigned long long)s.passivations);
  std::printf("entities         %llu active, %llu activated, %llu "
              "passivated, %llu views missed\n",
              (unsigned long long)s.entities_active,
              (unsigned long long)s.entities_activated,
              (unsigned long long)s.entity_passivations,
              (unsigned long long)s.entity_misses);
  if (s.entity_observations_sent + s.entity_observations_dropped
        + s.entity_observations_received + s.entity_observations_refused
      > 0)
    std::printf("entities shared  sent %llu, dropped %llu, received %llu, "
                "refused %llu (README: Entity state)\n",
                (unsigned long long)s.entity_observations_sent,
                (unsigned long long)s.entity_observations_dropped,
                (unsigned long long)s.entity_observations_received,
                (unsigned long long)s.entity_observations_refused);
  std::printf("card snapshots   backlog %llu (%.1f MB), written %llu, "
              "errors %llu, corrupt %llu, dropped %llu\n",
              (unsigned long long)s.snapshot_backlog,
              static_cast<double>(s.snapshot_backlog_bytes) / 1048576.0,
              (unsigned long long)s.snapshots_written,
              (unsigned long long)s.snapshot_errors,
              (unsigned long long)s.snapshot_corrupt,
              (unsigned long long)s.snapshot_dropped);
  auto lat = [](const char* name, const protocol::latency_summary& l) {
    std::printf("%-16s n=%llu p50 %.1f us, p90 %.1f, p99 %.1f, p99.9 %.1f, "
                "max %.1f\n",
                name, (unsigned long long)l.count, l.p50_us, l.p90_us,
                l.p99_us, l.p999_us, l.max_us);
  };
  lat("latency 1 min", s.latency_last_minute);
  lat("latency total", s.latency_since_start);
  std::printf("store            backlog %llu (%.1f MB), written %llu, "
              "dropped %llu, errors %llu\n",
              (unsigned long long)s.store_backlog,
              static_cast<double>(s.store_backlog_bytes) / 1048576.0,
              (unsigned long long)s.store_written,
              (unsigned long long)s.store_dropped,
              (unsigned long long)s.store_errors);
  std::printf("nats             dropped %llu, publish errors %llu\n",
              (unsigned long long)s.nats_dropped,
              (unsigned long long)s.publish_errors);
  std::printf("limited          %llu requests (LIMIT_EXCEEDED)\n",
              (unsigned long long)s.requests_limited);
  std::printf("outcomes         cases opened %llu, resolved %llu; labels "
              "added %llu, unchanged %llu, refused %llu\n",
              (unsigned long long)s.cases_opened,
              (unsigned long long)s.cases_resolved,
              (unsigned long long)s.labels_added,
              (unsigned long long)s.labels_unchanged,
              (unsigned long long)s.labels_refused);
  std::printf("rule hits       ");
  if (s.rule_hits.empty())
    std::printf(" none");
  for (auto& [rule, n] : s.rule_hits)
    std::printf(" %s=%llu", rule.c_str(), (unsigned long long)n);
  std::printf("\n");
  if (who.instances.size() > 1)
    std::printf("(summed over the instances; uptime, queue delays and "
                "latency percentiles are the largest instance's)\n");
  print_answered(who);
  return ok;
}

} // namespace fraud::ctl
