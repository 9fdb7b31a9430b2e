#include "service/client/nats_credentials.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "service/client/nkey.hpp"

namespace fraud::service {

void declare_nats_credentials(CLI::App& app, nats_credentials& c,
                              bool local_clients) {
  const char* group = "NATS credentials (secrets only from files or the "
                      "environment, never on the command line)";
  app.add_option("--nats-user", c.user,
                 "user name (or FRAUD_NATS_USER); its password from "
                 "--nats-password-file or FRAUD_NATS_PASSWORD")
    ->group(group);
  app.add_option("--nats-password-file", c.password_file,
                 "file holding the password")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-token-file", c.token_file,
                 "file holding an authentication token (or "
                 "FRAUD_NATS_TOKEN)")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-nkey", c.nkey_file,
                 "NKey seed file (mode 0600), also the key an analyst signs "
                 "rule and list changes with (or FRAUD_NATS_NKEY)")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-creds", c.creds_file,
                 "a .creds file: user JWT and NKey seed (or "
                 "FRAUD_NATS_CREDS)")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-ca", c.tls_ca,
                 "TLS: trust the server certificates this CA signed")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-cert", c.tls_cert,
                 "TLS: client certificate (with --nats-key)")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-key", c.tls_key,
                 "TLS: the client certificate's private key")
    ->group(group)
    ->check(CLI::ExistingFile);
  app.add_option("--nats-tls-hostname", c.tls_hostname,
                 "TLS: the name the server certificate must carry, when it "
                 "is not the URL's host")
    ->group(group);
  app.add_option("--nats-inbox-prefix", c.inbox_prefix,
                 "subject prefix of this client's reply inbox, as its NATS "
                 "permissions allow (e.g. _INBOX.switch-1; or "
                 "FRAUD_NATS_INBOX_PREFIX)")
    ->group(group);
  if (!local_clients)
    return;
  app.add_option("--credentials", c.credentials_dir,
                 "the credentials directory of a local fraudd's embedded "
                 "server (found by itself for a loopback URL; or "
                 "FRAUD_CREDENTIALS)")
    ->group(group);
}

namespace {

void from_env(std::string& field, const char* name) {
  if (!field.empty())
    return;
  if (const char* v = std::getenv(name); v != nullptr)
    field = v;
}

// The first line of a secret file, without its line end.
fraud::error read_secret(const std::string& path, const char* what,
                         std::string& out) {
  std::ifstream in{path};
  if (!in)
    return make_error(ec::config_error, std::string{"cannot read the "} + what
                                          + " file " + path);
  std::getline(in, out);
  while (!out.empty() && (out.back() == '\r' || out.back() == ' '))
    out.pop_back();
  if (out.empty())
    return make_error(ec::config_error, std::string{"the "} + what + " file "
                                          + path + " is empty");
  return {};
}

} // namespace

fraud::error resolve(nats_credentials& c) {
  from_env(c.user, "FRAUD_NATS_USER");
  from_env(c.nkey_file, "FRAUD_NATS_NKEY");
  from_env(c.creds_file, "FRAUD_NATS_CREDS");
  from_env(c.inbox_prefix, "FRAUD_NATS_INBOX_PREFIX");
  from_env(c.credentials_dir, "FRAUD_CREDENTIALS");
  if (!c.password_file.empty()) {
    if (auto err = read_secret(c.password_file, "password", c.password))
      return err;
  } else {
    from_env(c.password, "FRAUD_NATS_PASSWORD");
  }
  if (!c.token_file.empty()) {
    if (auto err = read_secret(c.token_file, "token", c.token))
      return err;
  } else {
    from_env(c.token, "FRAUD_NATS_TOKEN");
  }
  if (!c.password.empty() && c.user.empty())
    return make_error(ec::config_error,
                      "a NATS password needs a user (--nats-user)");
  if (c.tls_cert.empty() != c.tls_key.empty())
    return make_error(ec::config_error,
                      "--nats-cert and --nats-key go together");
  int kinds = !c.user.empty() + !c.token.empty() + !c.nkey_file.empty()
              + !c.creds_file.empty();
  if (kinds > 1)
    return make_error(ec::config_error,
                      "give one of user and password, token, NKey or .creds");
  return {};
}

bool authenticates(const nats_credentials& c) {
  return !c.user.empty() || !c.token.empty() || !c.nkey_file.empty()
         || !c.creds_file.empty() || !c.tls_cert.empty();
}

fraud::error apply(const nats_credentials& c, natsOptions* o) {
  auto fail = [](const std::string& what, natsStatus s) {
    // nats.c's last error may quote a file name, never a secret we set.
    return make_error(ec::config_error,
                      what + ": " + natsStatus_GetText(s));
  };
  natsStatus s = NATS_OK;
  if (!c.user.empty()
      && (s = natsOptions_SetUserInfo(o, c.user.c_str(), c.password.c_str()))
           != NATS_OK)
    return fail("cannot set the NATS user", s);
  if (!c.token.empty()
      && (s = natsOptions_SetToken(o, c.token.c_str())) != NATS_OK)
    return fail("cannot set the NATS token", s);
  if (!c.nkey_file.empty()) {
    auto seed = nkey::read_seed_file(c.nkey_file);
    if (!seed)
      return seed.error();
    auto pub = nkey::public_key(*seed);
    if (!pub)
      return with_context(pub.error(), "NKey file " + c.nkey_file);
    if ((s = natsOptions_SetNKeyFromSeed(o, pub->c_str(), c.nkey_file.c_str()))
        != NATS_OK)
      return fail("cannot use the NKey file " + c.nkey_file, s);
  }
  if (!c.creds_file.empty()
      && (s = natsOptions_SetUserCredentialsFromFiles(
            o, c.creds_file.c_str(), nullptr))
           != NATS_OK)
    return fail("cannot use the credentials file " + c.creds_file, s);
  bool tls = !c.tls_ca.empty() || !c.tls_cert.empty();
  if (tls && (s = natsOptions_SetSecure(o, true)) != NATS_OK)
    return fail("cannot enable TLS", s);
  if (!c.tls_ca.empty()
      && (s = natsOptions_LoadCATrustedCertificates(o, c.tls_ca.c_str()))
           != NATS_OK)
    return fail("cannot load the CA file " + c.tls_ca, s);
  if (!c.tls_cert.empty()
      && (s = natsOptions_LoadCertificatesChain(o, c.tls_cert.c_str(),
                                                c.tls_key.c_str()))
           != NATS_OK)
    return fail("cannot load the client certificate " + c.tls_cert, s);
  if (!c.tls_hostname.empty()
      && (s = natsOptions_SetExpectedHostname(o, c.tls_hostname.c_str()))
           != NATS_OK)
    return fail("cannot set the expected TLS host name", s);
  if (!c.inbox_prefix.empty()
      && (s = natsOptions_SetCustomInboxPrefix(o, c.inbox_prefix.c_str()))
           != NATS_OK)
    return fail("bad inbox prefix " + c.inbox_prefix, s);
  return {};
}

std::string redact_url(const std::string& url) {
  std::string out;
  std::stringstream in{url};
  std::string one;
  while (std::getline(in, one, ',')) {
    auto scheme = one.find("://");
    auto start = scheme == std::string::npos ? 0 : scheme + 3;
    auto at = one.rfind('@');
    if (at != std::string::npos && at >= start)
      one.erase(start, at + 1 - start);
    if (!out.empty())
      out += ',';
    out += one;
  }
  return out;
}

} // namespace fraud::service
