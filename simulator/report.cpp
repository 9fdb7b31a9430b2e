#include "simulator/report.hpp"

#include <fstream>

namespace fraud::simulator {

namespace {

constexpr const char* definition =
  "per transaction; caught = DECLINE (REVIEW is not a catch); "
  "recall = declined / transactions of the label; precision = fraudulent "
  "declined / all declined; false_decline_rate = legitimate declined / all "
  "legitimate; an attack is stopped when any of its transactions is "
  "declined; only transactions that got a decision count";

std::string rules_text(const label_result& r, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < r.rules.size() && i < max; ++i) {
    if (i > 0)
      out += ", ";
    out += r.rules[i].first + " " + std::to_string(r.rules[i].second);
  }
  return out.empty() ? "-" : out;
}

void print_label(std::FILE* out, const label_result& r, bool fraud) {
  if (fraud)
    std::fprintf(out, "  %-21s %8llu %9llu %9llu %7.3f %5llu/%-5llu %s\n",
                 r.name.c_str(), static_cast<unsigned long long>(r.count),
                 static_cast<unsigned long long>(r.declined),
                 static_cast<unsigned long long>(r.reviewed), r.recall,
                 static_cast<unsigned long long>(r.attacks_stopped),
                 static_cast<unsigned long long>(r.attacks),
                 rules_text(r, 4).c_str());
  else
    std::fprintf(out, "  %-21s %8llu %9llu %9llu %7s %11s %s\n",
                 r.name.c_str(), static_cast<unsigned long long>(r.count),
                 static_cast<unsigned long long>(r.declined),
                 static_cast<unsigned long long>(r.reviewed), "-", "-",
                 rules_text(r, 4).c_str());
}

void print_latency(std::FILE* out, const char* name,
                   const latency_summary& l) {
  std::fprintf(out, "  %-22s %9.0f %9.0f %9.0f %9.0f %9.0f\n", name, l.p50,
               l.p90, l.p99, l.p999, l.max);
}

nlohmann::json latency_json(const latency_summary& l) {
  return {{"count", l.count}, {"p50", l.p50},   {"p90", l.p90},
          {"p99", l.p99},     {"p999", l.p999}, {"max", l.max}};
}

void print_retries(std::FILE* out, const replay_figures& p) {
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  if (p.mode == "request")
    std::fprintf(out,
                 "  answered %llu at the first attempt + %llu after re-sends;"
                 " re-sends %llu (after no responders or a timeout of %.0f "
                 "ms; budget %.0f ms after the due time)\n",
                 u(p.answered_first), u(p.answered_after_retry),
                 u(p.retries), p.attempt_timeout_ms, p.retry_for_ms);
  if (p.timeouts + p.duplicates + p.answered_duplicate > 0)
    std::fprintf(out,
                 "  attempts timed out %llu; second answers %llu, of which "
                 "decided afresh %llu and with another action %llu; answered "
                 "with a first decision sent again %llu\n",
                 u(p.timeouts), u(p.duplicates), u(p.decided_twice),
                 u(p.conflicting), u(p.answered_duplicate));
  auto& g = p.gaps;
  if (g.episodes == 0) {
    std::fprintf(out, "  failover gap: none (every attempt was answered)\n");
    return;
  }
  std::fprintf(out,
               "  failover gap (time during which some transactions got only "
               "no responders or timeouts): %llu episode(s), p50 %.0f ms, max "
               "%.0f ms; the longest from %.2f s to %.2f s, %llu transactions "
               "in it, %llu of them lost\n",
               u(g.episodes), g.p50_ms, g.max_ms, g.longest_from_s,
               g.longest_to_s, u(g.longest_transactions), u(g.longest_lost));
}

void print_timeline(std::FILE* out, const std::vector<second_counts>& t) {
  if (t.empty())
    return;
  std::fprintf(out, "\n  second      sent  answered  after re-send  no "
                    "responder  timeouts  re-sends      lost\n");
  for (std::size_t s = 0; s < t.size(); ++s) {
    auto& c = t[s];
    std::fprintf(out, "  %6zu %9llu %9llu %14llu %13llu %9llu %9llu %9llu\n",
                 s, static_cast<unsigned long long>(c.sent),
                 static_cast<unsigned long long>(c.answered),
                 static_cast<unsigned long long>(c.after_retry),
                 static_cast<unsigned long long>(c.no_responders),
                 static_cast<unsigned long long>(c.timeouts),
                 static_cast<unsigned long long>(c.retries),
                 static_cast<unsigned long long>(c.lost));
  }
  std::fprintf(out, "  (sent and lost by the second the transaction was due, "
                    "the rest by the second it happened)\n");
}

nlohmann::json timeline_json(const std::vector<second_counts>& t) {
  auto rows = nlohmann::json::array();
  for (std::size_t s = 0; s < t.size(); ++s) {
    auto& c = t[s];
    rows.push_back({{"second", s},
                    {"sent", c.sent},
                    {"answered", c.answered},
                    {"after_retry", c.after_retry},
                    {"no_responders", c.no_responders},
                    {"timeouts", c.timeouts},
                    {"retries", c.retries},
                    {"lost", c.lost}});
  }
  return rows;
}

nlohmann::json label_json(const label_result& r) {
  nlohmann::json rules = nlohmann::json::object();
  for (auto& [rule, hits] : r.rules)
    rules[rule] = hits;
  return {{"count", r.count},
          {"declined", r.declined},
          {"reviewed", r.reviewed},
          {"recall", r.recall},
          {"recall_from_third", r.recall_from_third},
          {"attacks", r.attacks},
          {"attacks_stopped", r.attacks_stopped},
          {"rules", rules},
          {"example_tx_id", r.example_tx_id},
          {"example_card_id", r.example_card_id}};
}

} // namespace

void print_report(std::FILE* out, const report& r) {
  std::fprintf(out, "\nfraud-sim report: %s, %llu transactions\n",
               r.dataset.c_str(),
               static_cast<unsigned long long>(r.transactions));
  if (r.replay) {
    auto& p = *r.replay;
    if (p.target_tps > 0)
      std::fprintf(out, "\nreplay: %s mode, open loop at %.0f tx/s\n",
                   p.mode.c_str(), p.target_tps);
    else
      std::fprintf(out, "\nreplay: %s mode, as fast as possible\n",
                   p.mode.c_str());
    std::fprintf(out,
                 "  sent %llu = decided %llu + rejected %llu + lost %llu"
                 "   (duplicate answers %llu, unmatched %llu, no responders "
                 "%llu, NATS errors %llu)\n",
                 static_cast<unsigned long long>(p.sent),
                 static_cast<unsigned long long>(p.decided),
                 static_cast<unsigned long long>(p.rejected),
                 static_cast<unsigned long long>(p.lost),
                 static_cast<unsigned long long>(p.duplicates),
                 static_cast<unsigned long long>(p.unmatched),
                 static_cast<unsigned long long>(p.no_responders),
                 static_cast<unsigned long long>(p.nats_errors));
    if (p.disconnects > 0)
      std::fprintf(out, "  NATS connection lost %llu time(s): what went "
                        "unanswered meanwhile is counted as lost\n",
                   static_cast<unsigned long long>(p.disconnects));
    print_retries(out, p);
    std::fprintf(out, "  throughput %.0f tx/s (sending took %.2f s, last "
                      "answer at %.2f s)\n",
                 p.throughput_tps, p.send_seconds, p.seconds);
    std::fprintf(out, "\n  latency, microseconds      p50       p90       "
                      "p99     p99.9       max\n");
    print_latency(out, "end to end", p.latency);
    print_latency(out, "in the service", p.service_latency);
    std::fprintf(out, "  (end to end: from the intended send time of the "
                      "open-loop schedule to the answer, re-sends included)\n");
    print_timeline(out, p.timeline);
  }
  auto& d = r.detection;
  std::fprintf(out, "\ndetection: caught = DECLINE, counted per transaction "
                    "(REVIEW is shown, not counted)\n");
  std::fprintf(out,
               "  precision %.3f   recall %.3f   false decline rate %.3f %% "
               "(%llu of %llu legitimate)   legitimate reviewed %.2f %%\n\n",
               d.precision, d.recall, d.false_decline_rate * 100,
               static_cast<unsigned long long>(d.legitimate.declined),
               static_cast<unsigned long long>(d.legitimate.count),
               d.review_rate_legit * 100);
  std::fprintf(out, "  %-21s %8s %9s %9s %7s %11s %s\n", "label", "txs",
               "declined", "reviewed", "recall", "stopped", "rules fired "
               "(transactions)");
  print_label(out, d.legitimate, false);
  for (auto& t : d.typologies)
    print_label(out, t, true);
  print_label(out, d.fraud, true);
  std::fprintf(out, "  (stopped: attacks with at least one transaction "
                    "declined, of all attacks)\n");
  for (auto& t : d.typologies)
    if (t.name == "stolen_card_spree")
      std::fprintf(out, "  %s from its 3rd purchase: recall %.3f (%llu of "
                        "%llu declined)\n",
                   t.name.c_str(), t.recall_from_third,
                   static_cast<unsigned long long>(t.from_third_declined),
                   static_cast<unsigned long long>(t.from_third));
  std::fprintf(out, "\n  a transaction of each kind to look up (the first "
                    "declined one):\n");
  auto example = [out](const label_result& l) {
    if (!l.example_tx_id.empty())
      std::fprintf(out, "    %-21s %s  card %s\n", l.name.c_str(),
                   l.example_tx_id.c_str(), l.example_card_id.c_str());
  };
  example(d.legitimate);
  for (auto& t : d.typologies)
    example(t);
}

nlohmann::json to_json(const report& r) {
  nlohmann::json j;
  j["dataset"] = r.dataset;
  j["transactions"] = r.transactions;
  if (r.replay) {
    auto& p = *r.replay;
    j["mode"] = p.mode;
    j["target_tps"] = p.target_tps;
    j["sent"] = p.sent;
    j["decided"] = p.decided;
    j["rejected"] = p.rejected;
    j["lost"] = p.lost;
    j["duplicates"] = p.duplicates;
    j["unmatched"] = p.unmatched;
    j["no_responders"] = p.no_responders;
    j["nats_errors"] = p.nats_errors;
    j["publish_errors"] = p.publish_errors;
    j["disconnects"] = p.disconnects;
    j["seconds"] = p.seconds;
    j["throughput_tps"] = p.throughput_tps;
    j["latency_us"] = latency_json(p.latency);
    j["service_latency_us"] = latency_json(p.service_latency);
    j["retry"] = {{"retry_for_ms", p.retry_for_ms},
                  {"attempt_timeout_ms", p.attempt_timeout_ms},
                  {"answered_first", p.answered_first},
                  {"answered_after_retry", p.answered_after_retry},
                  {"retries", p.retries},
                  {"timeouts", p.timeouts},
                  {"answered_duplicate", p.answered_duplicate},
                  {"decided_twice", p.decided_twice},
                  {"conflicting", p.conflicting}};
    auto& g = p.gaps;
    j["failover_gap"] = {{"episodes", g.episodes},
                         {"p50_ms", g.p50_ms},
                         {"max_ms", g.max_ms},
                         {"total_ms", g.total_ms},
                         {"longest_from_s", g.longest_from_s},
                         {"longest_to_s", g.longest_to_s},
                         {"longest_transactions", g.longest_transactions},
                         {"longest_lost", g.longest_lost}};
    j["timeline"] = timeline_json(p.timeline);
  } else {
    j["mode"] = "backtest";
  }
  auto& d = r.detection;
  nlohmann::json typologies = nlohmann::json::object();
  for (auto& t : d.typologies)
    typologies[t.name] = label_json(t);
  j["detection"] = {{"definition", definition},
                    {"precision", d.precision},
                    {"recall", d.recall},
                    {"false_decline_rate", d.false_decline_rate},
                    {"legitimate_review_rate", d.review_rate_legit},
                    {"legitimate", label_json(d.legitimate)},
                    {"fraud", label_json(d.fraud)},
                    {"typologies", typologies}};
  return j;
}

bool write_json(const std::string& path, const report& r, std::string& error) {
  std::ofstream out{path};
  out << to_json(r).dump(2) << '\n';
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

} // namespace fraud::simulator
