#include "service/embedded_auth.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/client/local_credentials.hpp"
#include "service/client/nkey.hpp"

namespace fraud::service {

namespace {

constexpr nats_role roles[] = {nats_role::scorer, nats_role::authoriser,
                               nats_role::analyst, nats_role::viewer};

// The role's key: the one in the directory, or a new one.
fraud::expected<std::string> role_key(const std::string& dir, nats_role r) {
  auto path = dir + "/" + to_string(r) + ".nk";
  if (::access(path.c_str(), F_OK) != 0) {
    if (auto err = nkey::write_seed_file(path, nkey::generate_user_seed()))
      return err;
  }
  auto seed = nkey::read_seed_file(path);
  if (!seed)
    return seed.error();
  return nkey::public_key(*seed);
}

// The login name of who runs fraudd: the local analyst's identity.
std::string login_name() {
  if (auto* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name)
    return pw->pw_name;
  return "uid" + std::to_string(::geteuid());
}

void replace_all(std::string& text, const std::string& from,
                 const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

} // namespace

std::string credentials_dir_for(const std::string& db_path) {
  auto slash = db_path.rfind('/');
  auto dir = slash == std::string::npos ? std::string{"."}
                                        : db_path.substr(0, slash);
  auto name = slash == std::string::npos ? db_path : db_path.substr(slash + 1);
  if (auto dot = name.rfind('.'); dot != std::string::npos && dot > 0)
    name.erase(dot);
  return dir + "/" + name + "-credentials";
}

fraud::expected<embedded_auth> prepare_embedded_auth(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(ec::config_error, "cannot make " + dir + ": "
                                          + std::strerror(errno));
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)
      || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    return make_error(ec::config_error,
                      dir + " must be a directory of this user that nobody "
                            "else may read (chmod 700 " + dir + ")");
  char real[PATH_MAX];
  if (::realpath(dir.c_str(), real) == nullptr)
    return make_error(ec::config_error, "cannot resolve " + dir);
  embedded_auth out;
  out.dir = real;
  out.server_config = shipped_nats_config;
  std::string analyst_key;
  for (auto r : roles) {
    auto key = role_key(out.dir, r);
    if (!key)
      return with_context(key.error(), "credentials in " + out.dir);
    std::string var = to_string(r);
    for (auto& c : var)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    replace_all(out.server_config, "$FRAUD_" + var + "_NKEY",
                "\"" + *key + "\"");
    if (r == nats_role::analyst)
      analyst_key = *key;
  }
  out.scorer_key = out.dir + "/scorer.nk";
  out.analysts = out.dir + "/analysts";
  auto keyring = std::string{"# The analyst keys fraudd trusts for rule "
                              "and list changes.\n"}
                 + login_name() + "@local " + analyst_key + "\n";
  if (auto err = write_private_file(out.analysts, keyring))
    return err;
  return out;
}

fraud::error write_server_url(const embedded_auth& auth,
                              const std::string& url) {
  return write_private_file(auth.dir + "/server", url + "\n");
}

} // namespace fraud::service
