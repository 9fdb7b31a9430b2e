// Rules and lists changes signed by the analyst who makes them, so that
// fraudd records an identity it has verified rather than a name the client
// typed (issue 13).
//
// The client signs with its NKey seed (service/client/nkey.hpp, the same
// key that authenticates its NATS connection) and sends four headers:
//   Fraud-Signer     its "U..." public key
//   Fraud-Signed-At  milliseconds since the epoch, decimal
//   Fraud-Nonce      16 random bytes, 32 lower-case hex digits
//   Fraud-Signature  the 64-byte ed25519 signature, 128 lower-case hex digits
// over the text change_signing_text() builds, which binds the subject (a
// "set" cannot be replayed as a "rollback"), the time and the exact bytes
// of the body.
//
// fraudd trusts the keys in an analyst_keyring and, in change_verifier,
// refuses a signature that is bad, from an unknown key, more than a skew
// window from its clock, or seen before.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nats/nats.h>

#include "models/error.hpp"

namespace fraud::service {

inline constexpr char signer_header[] = "Fraud-Signer";
inline constexpr char signed_at_header[] = "Fraud-Signed-At";
inline constexpr char nonce_header[] = "Fraud-Nonce";
inline constexpr char signature_header[] = "Fraud-Signature";

/// A change's signature as it travels: the four header values. An empty
/// field is a header that was absent. Value type.
struct change_signature {
  std::string signer;
  std::string signed_at;
  std::string nonce;
  std::string signature;
};

/// What is signed: "fraud-change-v1\n" subject "\n" signed_at "\n" nonce
/// "\n" hex(SHA-256(body)).
std::string change_signing_text(std::string_view subject,
                                std::string_view body,
                                std::string_view signed_at,
                                std::string_view nonce);

/// Signs a change to be published on `subject` with `body`, at `now_ms`
/// (wall clock, ms since the epoch), with a fresh nonce.
fraud::expected<change_signature> sign_change(const std::string& seed,
                                              std::string_view subject,
                                              std::string_view body,
                                              std::int64_t now_ms);

/// Puts the four headers on `msg` (made with natsMsg_Create, not sent).
fraud::error set_change_headers(natsMsg* msg, const change_signature& sig);

/// The four headers of a received message; absent ones are empty.
change_signature read_change_headers(natsMsg* msg);

/// The analysts fraudd trusts: one name per public key, one key per name.
/// Thread-compatible: build it, then share it const.
class analyst_keyring {
public:
  /// Reads a file of lines "<name> <public key>", with '#' comments and
  /// blank lines. Errors name the line. Refuses a file that others may
  /// write: whoever can write it can make themselves an analyst.
  static fraud::expected<analyst_keyring> load(const std::string& path);

  /// The same from text; `origin` names it in errors.
  static fraud::expected<analyst_keyring> parse(std::string_view text,
                                                const std::string& origin);

  /// Trusts `public_key` ("U...") as `name` ([A-Za-z0-9_.@-]{1,64}).
  /// CONFIG_ERROR for a bad name or key, or one already in the keyring.
  fraud::error add(const std::string& name, const std::string& public_key);

  /// The analyst's name for `public_key`; null when it is not trusted.
  const std::string* name_of(const std::string& public_key) const;

  std::size_t size() const {
    return name_by_key_.size();
  }
  bool empty() const {
    return name_by_key_.empty();
  }

private:
  std::unordered_map<std::string, std::string> name_by_key_;
  std::unordered_set<std::string> names_;
};

/// Who made a change, as fraudd verified it.
struct analyst_identity {
  std::string name;
  std::string public_key;
};

/// Verifies signed changes against a keyring, and remembers nonces so that
/// none is accepted twice.
///
/// Thread-safe: called from NATS callback threads. One mutex guards the
/// nonce memory; changes are rare, and the signature is checked outside it.
class change_verifier {
public:
  static constexpr std::int64_t default_max_skew_ms = 120'000;
  static constexpr std::size_t default_max_nonces = 100'000;

  /// Accepts signatures made within `max_skew_ms` of fraudd's clock, and
  /// remembers at most `max_nonces` of them. An empty keyring refuses
  /// every change.
  explicit change_verifier(analyst_keyring keyring,
                           std::int64_t max_skew_ms = default_max_skew_ms,
                           std::size_t max_nonces = default_max_nonces);

  /// The analyst who signed the change to `subject` with `body`, at
  /// `now_ms` on fraudd's wall clock. PERMISSION_DENIED, with words for a
  /// person, when the change is not signed by a trusted key, or the
  /// signature is bad, stale or replayed; LIMIT_EXCEEDED when more changes
  /// arrived within the skew window than nonces can be remembered.
  fraud::expected<analyst_identity> verify(std::string_view subject,
                                           std::string_view body,
                                           const change_signature& sig,
                                           std::int64_t now_ms);

  /// The keyring changes are checked against now.
  std::shared_ptr<const analyst_keyring> keyring() const;

  /// Trusts `keyring` from now on instead (fraudd reloads --analyst-keys
  /// on SIGHUP); a change being verified meanwhile uses the old one. The
  /// nonces remembered stay: a replay is refused across a reload.
  void replace_keyring(analyst_keyring keyring);

  /// Nonces remembered now.
  std::size_t remembered_nonces() const;

private:
  // Guarded by mtx_; each verify() takes its own reference, so that the
  // signature is checked outside the lock.
  std::shared_ptr<const analyst_keyring> keyring_;
  const std::int64_t max_skew_ms_;
  const std::size_t max_nonces_;

  mutable std::mutex mtx_;
  // The latest clock reading seen: a clock stepped back must not accept
  // again a nonce already forgotten.
  std::int64_t clock_ms_ = std::numeric_limits<std::int64_t>::min();
  // "signer nonce" of every accepted change that is still within the
  // window, and when each may be forgotten.
  std::unordered_set<std::string> nonces_;
  std::multimap<std::int64_t, std::string> expiries_;
};

} // namespace fraud::service
