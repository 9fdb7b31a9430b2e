// fraudctl keys new <role> <name>: an NKey for a person or program, and
// the lines that give it its role: a nats-server users entry (the roles
// of deploy/nats/nats-server.conf, with an inbox of its own) and, for an
// analyst, fraudd's --analyst-keys line. The seed is written to a file
// only its owner can read; it is never printed.
#include "service/ctl/ctl_keys.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "service/client/nkey.hpp"

namespace fraud::ctl {

namespace {

// The subjects of each role, as deploy/nats/nats-server.conf grants them;
// tests/service/security_test.cpp checks an entry printed here against a
// real nats-server.
std::string permissions(const std::string& role, const std::string& inbox) {
  const std::string watch = R"("fraud.decisions.>", "fraud.rejected", )";
  if (role == "scorer")
    return "$SCORER";
  if (role == "authoriser")
    return R"({ publish: { allow: ["fraud.tx.*", "fraud.p.*.*"] }, )"
           R"(subscribe: { allow: [")"
           + inbox + R"("] } })";
  if (role == "analyst")
    return R"({ publish: { allow: ["fraud.rules.*", "fraud.lists.*", )"
           R"("fraud.rates.*", "fraud.model.*", )"
           R"("fraud.labels", "fraud.cases.*", )"
           R"("fraud.query.>", "fraud.stats"] }, subscribe: { allow: [)"
           + watch + "\"" + inbox + R"("] } })";
  return R"({ publish: { allow: ["fraud.query.>", "fraud.stats", )"
         R"("fraud.rules.get", "fraud.rules.history", "fraud.rules.shadow", )"
         R"("fraud.lists.get", "fraud.rates.get", "fraud.rates.history", )"
         R"("fraud.model.get", "fraud.model.history"] }, )"
         R"(subscribe: { allow: [)"
         + watch + "\"" + inbox + R"("] } })";
}

} // namespace

std::unique_ptr<keys_cli> add_keys_commands(CLI::App& app) {
  auto k = std::make_unique<keys_cli>();
  auto* keys = app.add_subcommand("keys", "NKeys for the roles of README "
                                          "Security");
  k->create = keys->add_subcommand("new", "make a key and print the lines "
                                          "that give it a role");
  k->create->add_option("ROLE", k->role, "scorer, authoriser, analyst or viewer")
    ->required()
    ->check(CLI::IsMember({"scorer", "authoriser", "analyst", "viewer"}));
  k->create->add_option("NAME", k->name,
                        "who holds it: [a-z0-9_-], e.g. switch-2 or alice")
    ->required();
  k->create->add_option("--dir", k->dir, "where the seed file goes")
    ->capture_default_str();
  return k;
}

std::optional<int> run_keys_commands(const keys_cli& k) {
  if (!k.create->parsed())
    return std::nullopt;
  if (k.name.empty() || k.name.size() > 64
      || k.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-")
           != std::string::npos)
    return usage_error("NAME must be 1 to 64 of a-z, 0-9, _ and -");
  auto seed = service::nkey::generate_user_seed();
  auto key = service::nkey::public_key(seed);
  if (!key)
    return usage_error(to_string(key.error()));
  auto path = k.dir + "/" + k.name + ".nk";
  if (auto err = service::nkey::write_seed_file(path, seed)) {
    std::fprintf(stderr, "fraudctl: %s\n", to_string(err).c_str());
    return failure;
  }
  auto inbox = "_INBOX." + k.name;
  std::printf("seed file:  %s (mode 0600; give it only to %s)\n",
              path.c_str(), k.name.c_str());
  std::printf("public key: %s\n\n", key->c_str());
  std::printf("nats-server, authorization.users:\n  { nkey: \"%s\", "
              "permissions: %s }\n\n",
              key->c_str(), permissions(k.role, inbox + ".>").c_str());
  std::printf("client flags:\n  --nats-nkey %s%s%s\n", path.c_str(),
              k.role == "scorer" ? "" : " --nats-inbox-prefix ",
              k.role == "scorer" ? "" : inbox.c_str());
  if (k.role == "analyst")
    std::printf("\nfraudd --analyst-keys file:\n  %s %s\n", k.name.c_str(),
                key->c_str());
  return ok;
}

} // namespace fraud::ctl
