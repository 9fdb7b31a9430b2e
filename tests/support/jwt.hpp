// Test support: NATS v2 JWTs and .creds files, minted here because this
// machine has no nsc. The chain of trust of decentralised authentication:
// an operator (self-signed), an account the operator signs, a user the
// account signs; nats-server trusts the operator, finds the account in its
// resolver, and lets in whoever holds a user JWT and can sign the server's
// nonce with that user's seed.
//
// Byte for byte what nats-io/jwt v2.3.0 (the version nats-server 2.9.10
// is built with) writes: header {"typ":"JWT","alg":"ed25519-nkey"};
// payload the json.Marshal of the claims (Go's field order, omitempty, and
// its HTML-safe escapes: '>' is \u003e); `jti` the unpadded base32 of the
// SHA-512/256 of the common claims without it; each part base64url without
// padding; the signature ed25519 over "header.payload" by the issuer.
// creds_test.cpp checks this against tokens nsc made.
//
// Stateless functions: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/error.hpp"
#include "service/client/nkey.hpp"

namespace fraud::test::jwt {

using service::nkey::key_type;

/// What every JWT says (jwt's ClaimsData, less `iss` and `jti`, which
/// come from the signer and the rest).
struct claims {
  std::string subject;          // the public key the JWT is about
  std::string name;
  std::int64_t issued_at = 0;   // Unix seconds; 0: now
  std::int64_t expires = 0;     // Unix seconds; 0: never
};

/// Subjects a user may publish to or subscribe to (jwt's Permission).
struct permission {
  std::vector<std::string> allow, deny;
};

/// nats-server's allow_responses: replies to requests the user received,
/// at most `max_msgs` each, for `ttl_ns` (0: the server's default).
struct response_permission {
  int max_msgs = 1;
  std::int64_t ttl_ns = 0;
};

/// jwt's Permissions; empty lists allow everything.
struct user_permissions {
  permission pub, sub;
  std::optional<response_permission> resp;
};

/// The payloads (JSON text) of each kind of JWT, issued by `issuer` (a
/// public key). No system account unless `system_account` names one.
std::string operator_payload(const claims& c, const std::string& issuer,
                             const std::string& system_account = {});
/// An account with no limits, no JetStream, no imports or exports: what
/// NewAccountClaims gives.
std::string account_payload(const claims& c, const std::string& issuer);
std::string user_payload(const claims& c, const std::string& issuer,
                         const user_permissions& p);

/// The token: header, `payload` and the signature of `issuer_seed`, a seed
/// of kind `issuer`.
fraud::expected<std::string> encode(const std::string& payload,
                                    const std::string& issuer_seed,
                                    key_type issuer);

/// Tokens issued now: an operator's (self-signed), an account's signed by
/// its operator, a user's signed by its account.
fraud::expected<std::string> operator_jwt(const std::string& operator_seed,
                                          const std::string& name);
fraud::expected<std::string> account_jwt(const std::string& operator_seed,
                                         const std::string& account_key,
                                         const std::string& name);
fraud::expected<std::string> user_jwt(const std::string& account_seed,
                                      const std::string& user_key,
                                      const std::string& name,
                                      const user_permissions& p);

/// The three parts of a token, decoded; nothing if it has not three parts
/// of base64url.
struct parts {
  std::string header, payload, signature;
};
std::optional<parts> decode(const std::string& token);

/// True when `token` carries `issuer_key`'s signature (of kind `issuer`).
bool verify(const std::string& token, const std::string& issuer_key,
            key_type issuer);

/// `token`'s header and payload signed again, by `seed`: a forgery when
/// `seed` is not the issuer's.
fraud::expected<std::string> resign(const std::string& token,
                                    const std::string& seed, key_type type);

/// A .creds file's text, as jwt's FormatUserConfig writes it: the user JWT
/// and the user seed, each between its markers.
std::string creds_text(const std::string& user_jwt,
                       const std::string& user_seed);

/// Writes creds_text() to a new file `path`, mode 0600.
fraud::error write_creds_file(const std::string& path,
                              const std::string& user_jwt,
                              const std::string& user_seed);

/// nats-server configuration text for operator mode: trust `operator_jwt`
/// (inline), resolve accounts from memory, preloaded with `accounts`
/// (public key, account JWT). No `users` or `accounts` blocks: operator
/// mode refuses them. 2.9.10 needs no system account with the memory
/// resolver (it warns "Trusted Operators should utilize a System
/// Account"); only the nats-based resolvers require one.
std::string operator_mode_config(
  const std::string& operator_jwt,
  const std::vector<std::pair<std::string, std::string>>& accounts);

} // namespace fraud::test::jwt
