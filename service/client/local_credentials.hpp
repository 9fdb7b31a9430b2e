// The credentials of a local fraudd's embedded nats-server, and how a
// client on the same machine finds them without being told.
//
// Without --nats, fraudd starts its own nats-server on loopback with one
// NKey per role and writes them to a directory only its user can read
// (service/embedded_auth.hpp makes it, next to --db):
//
//   <dir>/server        the server's URL (no secrets)
//   <dir>/<role>.nk     the NKey seed of each role, mode 0600
//   <dir>/analysts      the analyst keys fraudd trusts ("name key" lines)
//
// and registers the directory under $HOME/.fraud/local/<port>, so that
// fraudctl and fraud-sim, given a loopback URL (or none), use the role
// their command needs with no flag at all. Each role's replies come to
// its own inbox, _INBOX.<role>, as its permissions require.
#pragma once

#include <optional>
#include <string>

#include "models/error.hpp"
#include "service/client/nats_credentials.hpp"

namespace fraud::service {

/// The roles of README "Security", as deploy/nats/roles.conf grants them.
enum class nats_role { scorer, authoriser, analyst, viewer };

/// "scorer", "authoriser", "analyst", "viewer".
const char* to_string(nats_role r);

/// Replaces `path` with `text` at once, readable only by this user (0600);
/// never writes through a symbolic link.
fraud::error write_private_file(const std::string& path,
                                const std::string& text);

/// $HOME/.fraud/local: where local servers are registered by port; "" when
/// there is no HOME.
std::string local_registry_dir();

/// Registers `dir` as the credentials of the local server on `port`
/// (replacing an older entry), and removes that entry.
fraud::error register_local_server(int port, const std::string& dir);
void unregister_local_server(int port, const std::string& dir);

/// The credentials directory registered for `url` when it names a loopback
/// host (127.0.0.1, localhost, [::1]) and a port, or, for an empty `url`,
/// of the only server registered; nothing otherwise.
std::optional<std::string> registered_credentials(const std::string& url);

/// For a client that was given no credentials of its own: takes the role's
/// key and inbox from `c.credentials_dir`, or from the directory registered
/// for `url`; when `url` is empty, fills it from the directory's `server`
/// file (or the default nats://127.0.0.1:4222). A client with credentials,
/// or for whose URL nothing is registered, is left as it is.
fraud::error use_local_credentials(nats_credentials& c, std::string& url,
                                   nats_role role);

} // namespace fraud::service
