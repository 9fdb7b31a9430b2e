#include "service/client/local_credentials.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fraud::service {

namespace {

constexpr const char* default_url = "nats://127.0.0.1:4222";

// True for a file or directory of ours that nobody else may change.
bool ours(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && st.st_uid == ::geteuid()
         && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

fraud::error make_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(ec::config_error, "cannot make " + path + ": "
                                          + std::strerror(errno));
  if (!ours(path))
    return make_error(ec::config_error,
                      path + " is not a directory only this user may change");
  return {};
}

// Host and port of the first server in a URL list.
bool host_and_port(const std::string& url, std::string& host, int& port) {
  auto first = url.substr(0, url.find(','));
  auto scheme = first.find("://");
  auto rest = scheme == std::string::npos ? first : first.substr(scheme + 3);
  if (auto at = rest.rfind('@'); at != std::string::npos)
    rest.erase(0, at + 1);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 >= rest.size())
    return false;
  host = rest.substr(0, colon);
  char* end = nullptr;
  long p = std::strtol(rest.c_str() + colon + 1, &end, 10);
  if (*end != '\0' && *end != '/')
    return false;
  port = static_cast<int>(p);
  return p > 0 && p < 65536;
}

std::string first_line(const std::string& path) {
  std::ifstream in{path};
  std::string line;
  std::getline(in, line);
  return line;
}

// The one registered server's entry, when there is exactly one.
std::optional<std::string> only_registered(const std::string& registry) {
  std::optional<std::string> found;
  DIR* d = ::opendir(registry.c_str());
  if (d == nullptr)
    return std::nullopt;
  int entries = 0;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    ++entries;
    found = registry + "/" + name;
  }
  ::closedir(d);
  if (entries != 1)
    return std::nullopt;
  return found;
}

} // namespace

fraud::error write_private_file(const std::string& path,
                                const std::string& text) {
  // A fresh temporary (O_EXCL, never through a link) renamed over `path`:
  // a reader sees the old text or the new, never half of it.
  auto temp = path + ".tmp" + std::to_string(::getpid());
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  bool written = fd >= 0
                 && ::write(fd, text.data(), text.size())
                      == static_cast<ssize_t>(text.size());
  if (fd >= 0)
    ::close(fd);
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    auto why = std::strerror(errno);
    ::unlink(temp.c_str());
    return make_error(ec::config_error, "cannot write " + path + ": " + why);
  }
  return {};
}

const char* to_string(nats_role r) {
  switch (r) {
    case nats_role::scorer:
      return "scorer";
    case nats_role::authoriser:
      return "authoriser";
    case nats_role::analyst:
      return "analyst";
    case nats_role::viewer:
      return "viewer";
  }
  return "unknown";
}

std::string local_registry_dir() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0')
    return {};
  return std::string{home} + "/.fraud/local";
}

fraud::error register_local_server(int port, const std::string& dir) {
  auto registry = local_registry_dir();
  if (registry.empty())
    return make_error(ec::config_error, "no HOME to register the local "
                                        "server's credentials under");
  if (auto err = make_private_dir(registry.substr(0, registry.rfind('/'))))
    return err;
  if (auto err = make_private_dir(registry))
    return err;
  return write_private_file(registry + "/" + std::to_string(port),
                            dir + "\n");
}

void unregister_local_server(int port, const std::string& dir) {
  auto registry = local_registry_dir();
  if (registry.empty())
    return;
  auto entry = registry + "/" + std::to_string(port);
  // Only our own entry: another fraudd may have the port by now.
  if (first_line(entry) == dir)
    ::unlink(entry.c_str());
}

std::optional<std::string> registered_credentials(const std::string& url) {
  auto registry = local_registry_dir();
  if (registry.empty() || !ours(registry))
    return std::nullopt;
  std::string entry;
  if (url.empty()) {
    // No URL at all: the one local server there is.
    auto only = only_registered(registry);
    if (!only)
      return std::nullopt;
    entry = *only;
  } else {
    std::string host;
    int port = 0;
    if (!host_and_port(url, host, port))
      return std::nullopt;
    if (host != "127.0.0.1" && host != "localhost" && host != "[::1]")
      return std::nullopt;
    entry = registry + "/" + std::to_string(port);
  }
  if (!ours(entry))
    return std::nullopt;
  auto dir = first_line(entry);
  if (dir.empty() || !ours(dir))
    return std::nullopt;
  return dir;
}

fraud::error use_local_credentials(nats_credentials& c, std::string& url,
                                   nats_role role) {
  if (authenticates(c)) {
    if (url.empty())
      url = default_url;
    return {};
  }
  std::string dir = c.credentials_dir;
  if (dir.empty()) {
    if (auto found = registered_credentials(url))
      dir = *found;
  } else if (!ours(dir)) {
    return make_error(ec::config_error,
                      dir + " is not a credentials directory of this user");
  }
  if (url.empty()) {
    url = dir.empty() ? "" : first_line(dir + "/server");
    if (url.empty())
      url = default_url;
  }
  if (dir.empty())
    return {};
  auto key = dir + "/" + to_string(role) + ".nk";
  if (::access(key.c_str(), R_OK) != 0)
    return make_error(ec::config_error, "no " + std::string{to_string(role)}
                                          + " key in " + dir);
  c.nkey_file = key;
  if (c.inbox_prefix.empty())
    c.inbox_prefix = std::string{"_INBOX."} + to_string(role);
  return {};
}

} // namespace fraud::service
