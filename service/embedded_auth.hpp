// The embedded default's security: fraudd's own nats-server runs the
// shipped configuration (deploy/nats/nats-server.conf, compiled in) with
// one NKey per role, generated on first start and kept in a credentials
// directory next to --db that only its user can read. Clients on this
// machine find it (service/client/local_credentials.hpp); nothing secret
// is ever printed, only paths.
//
// A directory from an earlier start is reused, so that clients' key
// files and the analyst's identity stay the same across restarts.
#pragma once

#include <string>

#include "models/error.hpp"

namespace fraud::service {

/// The shipped nats-server configuration text (deploy/nats/nats-server.conf).
extern const char* const shipped_nats_config;

struct embedded_auth {
  std::string dir;            // the credentials directory
  std::string server_config;  // the shipped configuration, with our keys
  std::string scorer_key;     // fraudd's own seed file
  std::string analysts;       // the analyst keyring fraudd trusts
};

/// The credentials directory for a database file: fraud.db's is
/// fraud-credentials, beside it.
std::string credentials_dir_for(const std::string& db_path);

/// Makes `dir` (mode 0700) and a key per role in it, or reuses the keys
/// already there; refuses a directory or key file others may read.
fraud::expected<embedded_auth> prepare_embedded_auth(const std::string& dir);

/// Writes the server's URL into the directory (for clients), replacing an
/// older one.
fraud::error write_server_url(const embedded_auth& auth,
                              const std::string& url);

} // namespace fraud::service
