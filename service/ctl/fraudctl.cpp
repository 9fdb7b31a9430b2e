// fraudctl: the command-line client of the fraud service, for people
// (tables) and scripts (--json). Exit codes in service/ctl.hpp.
#include <CLI/CLI.hpp>

#include "service/ctl/ctl.hpp"
#include "service/ctl/ctl_keys.hpp"
#include "service/ctl/ctl_outcomes.hpp"
#include "service/ctl/ctl_rules.hpp"

int main(int argc, char** argv) {
  using namespace fraud::ctl;
  common_options c;
  CLI::App app{"fraudctl: ask the fraud service, as a person or a script.\n"
               "Exit codes: 0 done, 1 failure, 2 usage, 3 input rejected, "
               "4 not found, 5 the service failed, 6 permission denied, "
               "7 limit exceeded."};
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--nats", c.nats_url,
                 "NATS server URL (default: the local fraudd's embedded "
                 "server, with its credentials; else nats://127.0.0.1:4222)");
  fraud::service::declare_nats_credentials(app, c.auth);
  app.add_option("--sign-key", c.sign_key,
                 "the analyst's NKey seed file that signs rule and list "
                 "changes (default: --nats-nkey, or the local fraudd's "
                 "analyst key)")
    ->check(CLI::ExistingFile);
  app.add_option("--timeout-ms", c.timeout_ms, "how long to wait for answers")
    ->capture_default_str()
    ->check(CLI::Range(1, 600000));
  app.add_option("--instances", c.instances,
                 "queries wait for this many fraudd instances' answers "
                 "(default: as many as the answers say are live, and "
                 "20 ms more after a lone answer)")
    ->check(CLI::Range(0, 4096));
  app.add_flag("--json", c.json, "print JSON instead of a table");

  send_options so;
  so.tx.currency = "USD";
  so.tx.country = "US";
  so.tx.merchant_id = "merchant-1";
  so.tx.mcc = 5411;
  auto* send = app.add_subcommand("send", "score one transaction and print "
                                          "the decision");
  send->add_option("--from-json", so.from_json,
                   "read the transaction from a JSON file (- for stdin) "
                   "with the wire contract's field names; fields it lacks "
                   "come from the flags");
  send->add_option("--card", so.tx.card_id, "card token");
  send->add_option("--amount", so.amount, "amount in major units, e.g. 12.34");
  send->add_option("--currency", so.tx.currency)->capture_default_str();
  send->add_option("--tx-id", so.tx.tx_id, "transaction id (default: random)");
  send->add_option("--account", so.tx.account_id);
  send->add_option("--merchant", so.tx.merchant_id)->capture_default_str();
  send->add_option("--mcc", so.tx.mcc)->capture_default_str();
  send->add_option("--country", so.tx.country)->capture_default_str();
  send->add_option("--lat", so.lat)->each([&](const std::string&) {
    so.has_lat = true;
  });
  send->add_option("--lon", so.lon)->each([&](const std::string&) {
    so.has_lon = true;
  });
  send->add_option("--device", so.tx.device_id);
  send->add_option("--ip", so.tx.ip);
  send->add_option("--channel", so.channel, "POS, ECOM or ATM")
    ->capture_default_str();
  send->add_option("--time", so.tx.event_time_ms,
                   "event time, Unix ms (default: now)");

  std::string tx_id;
  auto* decision = app.add_subcommand("decision", "the decision made for a "
                                                  "transaction, and why");
  decision->add_option("TX_ID", tx_id, "transaction id")->required();

  std::string card_id;
  std::uint32_t card_limit = 20;
  auto* card = app.add_subcommand("card", "a card's live state and its "
                                          "latest decisions");
  card->add_option("CARD_ID", card_id, "card token")->required();
  card->add_option("--limit", card_limit, "decisions to show")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));

  decisions_options dq;
  auto* decisions = app.add_subcommand("decisions", "search decisions, "
                                                    "newest first");
  decisions->add_option("--action", dq.action, "approve, review or decline");
  decisions->add_option("--card", dq.card, "one card");
  decisions->add_option("--since", dq.since,
                        "decided since: a duration back from now (10m, 2h, "
                        "7d) or Unix ms");
  decisions->add_option("--until", dq.until, "decided before: same forms");
  decisions->add_option("--rule", dq.rule, "a rule that fired");
  decisions->add_option("--limit", dq.limit, "decisions per page")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  decisions->add_option("--cursor", dq.cursor, "continue from a page's cursor");
  decisions->add_flag("--all", dq.all, "follow the pages to the end");

  auto* stats = app.add_subcommand("stats", "live statistics of the service");
  auto* cluster = app.add_subcommand(
    "cluster", "the cluster's instances, which partitions each owns, lease "
               "ages and live cards (README: Cluster)");

  watch_options wo;
  auto* watch = app.add_subcommand("watch", "live view of decisions and "
                                            "rates");
  watch->add_option("--filter", wo.filter,
                    "subject filter after fraud.decisions., e.g. 'decline.>'")
    ->capture_default_str();
  watch->add_option("--seconds", wo.seconds, "stop after this long")
    ->check(CLI::Range(0, 86400 * 365));
  watch->add_option("--count", wo.count, "stop after this many decisions");

  auto rules = add_rules_commands(app);
  auto keys = add_keys_commands(app);
  auto outcomes = add_outcome_commands(app);  // after rules: adds to it

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? ok : usage;
  }
  if (auto err = fraud::service::resolve(c.auth))
    return usage_error(fraud::to_string(err));
  if (send->parsed())
    return run_send(c, so);
  if (decision->parsed())
    return run_decision(c, tx_id);
  if (card->parsed())
    return run_card(c, card_id, card_limit);
  if (decisions->parsed())
    return run_decisions(c, dq);
  if (stats->parsed())
    return run_stats(c);
  if (cluster->parsed())
    return run_cluster(c);
  if (watch->parsed())
    return run_watch(c, wo);
  if (auto rc = run_rules_commands(c, *rules))
    return *rc;
  if (auto rc = run_keys_commands(*keys))
    return *rc;
  if (auto rc = run_outcome_commands(c, *outcomes))
    return *rc;
  return usage;
}
