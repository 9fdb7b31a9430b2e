// How a NATS client proves who it is, and how it checks the server: every
// kind nats.c 3.4.1 offers (user and password, token, NKey seed file,
// .creds file, TLS with a private CA and client certificate), declared once
// for every program (fraudd, fraudctl, fraud-sim, the benchmarks).
//
// Secrets never come from the command line, where `ps` shows them: a
// password or token is read from a file (--nats-password-file) or the
// environment (FRAUD_NATS_PASSWORD, FRAUD_NATS_TOKEN); keys are files. The
// user info of a URL is accepted (nats://user:pass@host) but never printed:
// redact_url() is what goes into logs and messages.
//
// Value type; resolve() reads the files and environment once, at start.
#pragma once

#include <string>

#include "models/error.hpp"
#include <nats/nats.h>

namespace CLI {
class App;
}

namespace fraud::service {

struct nats_credentials {
  std::string user;              // --nats-user, FRAUD_NATS_USER
  std::string password_file;     // --nats-password-file
  std::string token_file;        // --nats-token-file
  std::string nkey_file;         // --nats-nkey: an NKey seed file ("SU...")
  std::string creds_file;        // --nats-creds: a JWT .creds file
  std::string tls_ca;            // --nats-ca: trust this CA (implies TLS)
  std::string tls_cert;          // --nats-cert and --nats-key: client
  std::string tls_key;           //   certificate for mutual TLS
  std::string tls_hostname;      // --nats-tls-hostname: expected in the cert
  std::string inbox_prefix;      // --nats-inbox-prefix: replies come here
  std::string credentials_dir;   // --credentials: a local fraudd's keys

  // Filled by resolve(): the secrets themselves, never printed.
  std::string password;
  std::string token;
};

/// Declares the options above on `app`, with --help text saying where
/// secrets may come from; --credentials only for `local_clients` (fraudd
/// makes that directory, it does not read one).
void declare_nats_credentials(CLI::App& app, nats_credentials& c,
                              bool local_clients = true);

/// Fills what the environment gives (FRAUD_NATS_USER, FRAUD_NATS_PASSWORD,
/// FRAUD_NATS_TOKEN, FRAUD_NATS_NKEY, FRAUD_NATS_CREDS,
/// FRAUD_NATS_INBOX_PREFIX, FRAUD_CREDENTIALS) where no flag did, and reads
/// the password and token files. An error names the file, never a secret.
fraud::error resolve(nats_credentials& c);

/// Sets the credentials and TLS settings on nats.c options.
fraud::error apply(const nats_credentials& c, natsOptions* opts);

/// True when anything authenticates the client (user, token, key, creds,
/// client certificate).
bool authenticates(const nats_credentials& c);

/// `url` without its user info: "nats://user:secret@h:4222" becomes
/// "nats://h:4222". Also for comma-separated server lists.
std::string redact_url(const std::string& url);

} // namespace fraud::service
