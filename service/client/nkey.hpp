// NATS NKeys. Above all user keys: the one key file per analyst that both
// authenticates their NATS connection (natsOptions_SetNKeyFromSeed) and
// signs the rules and lists changes they make, so that fraudd records who
// made a change from a key, not from a name the client typed. Operator and
// account keys sign the JWTs of decentralised authentication (a .creds
// file's chain of trust); every function takes the kind it expects, user
// when not said, and refuses a key of another kind.
//
// The text forms are nats-io/nkeys' exactly, so that nats.c and
// nats-server read what we write:
//   seed       "SU..." (58 chars) = base32(0x95 0x00 | 32-byte ed25519 seed
//              | CRC16), the two prefix bytes being nkeys' EncodeSeed of the
//              seed prefix (18<<3) and the user prefix (20<<3); "SA..."
//              (account, 0<<3) and "SO..." (operator, 14<<3) likewise;
//   public key "U..."  (56 chars) = base32(0xA0 | 32-byte public key
//              | CRC16); "A..." (0x00) and "O..." (0x70) likewise;
// base32 is RFC 4648's alphabet without padding, CRC16 is XMODEM's,
// little-endian.
//
// A seed is a secret: nothing here logs one or puts one into an error
// message, and the buffers that held one are cleared.
//
// Stateless functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "models/error.hpp"

namespace fraud::service::nkey {

/// The kinds of key we make and read (nkeys has more: server, cluster,
/// curve).
enum class key_type { user, account, operator_ };

/// A new seed of kind `type` from the system's random source. Aborts the
/// process if that source fails: a key from a bad source must never be
/// handed out.
std::string generate_seed(key_type type);

/// generate_seed(key_type::user).
std::string generate_user_seed();

/// The public key ("U...", "A...", "O...") of a seed of kind `type`;
/// CONFIG_ERROR when `seed` is not one (bad base32, bad checksum, another
/// kind of seed).
fraud::expected<std::string> public_key(const std::string& seed,
                                        key_type type = key_type::user);

/// True when `key` is a well-formed user public key: the canonical base32
/// of the user prefix, 32 bytes and a matching checksum.
bool is_user_public_key(std::string_view key);

/// The raw 64-byte ed25519 signature of `data` by `seed`, a seed of kind
/// `type`.
fraud::expected<std::string> sign(const std::string& seed,
                                  std::string_view data,
                                  key_type type = key_type::user);

/// True when `signature` (raw, 64 bytes) is `public_key`'s over `data` and
/// `public_key` is of kind `type`; false for anything malformed.
bool verify(const std::string& public_key, std::string_view data,
            std::string_view signature, key_type type = key_type::user);

/// RFC 4648 base32 without padding, the text of keys (and of the `jti` of
/// a NATS JWT).
std::string base32_encode(std::string_view raw);

/// The seed in a key file: the first line (spaces trimmed) that starts with
/// "SU", as nats.c reads it; other lines, such as the comments and
/// "-----BEGIN USER NKEY SEED-----" markers of nsc's files, are skipped.
/// Refuses, as ssh does, a file that is not a regular file or that anyone
/// but its owner may access ("chmod 600 <path>").
fraud::expected<std::string> read_seed_file(const std::string& path);

/// Writes `seed` to a new file `path` with mode 0600. Never replaces an
/// existing file and never follows a link planted at `path`.
fraud::error write_seed_file(const std::string& path, const std::string& seed);

} // namespace fraud::service::nkey
