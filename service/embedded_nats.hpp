// A nats-server child process on loopback: the default when no --nats URL
// is given, and what integration tests run against. The child is stopped
// when this object is destroyed, and dies with its parent if that crashes.
#pragma once

#include <memory>
#include <string>
#include <sys/types.h>

#include "models/error.hpp"

namespace fraud::service {

struct embedded_nats_options {
  std::string binary = "nats-server";
  int port = 0;                 // 0: a free loopback port
  std::string extra_config;     // nats-server config text, e.g. mappings
  std::string work_dir;         // config and log file go here; "" = /tmp
  int start_timeout_ms = 5000;
};

class embedded_nats {
public:
  static fraud::expected<std::unique_ptr<embedded_nats>>
  start(const embedded_nats_options& opts);

  ~embedded_nats();
  embedded_nats(const embedded_nats&) = delete;
  embedded_nats& operator=(const embedded_nats&) = delete;

  const std::string& url() const { return url_; }
  const std::string& log_path() const { return log_path_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  /// Stops the server (SIGTERM, then SIGKILL after a grace period).
  void stop();

private:
  embedded_nats() = default;

  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
  std::string config_path_;
  std::string log_path_;
};

/// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

} // namespace fraud::service
