// A nats-server child process on loopback: the default when no --nats URL
// is given, and what integration tests run against. The child is stopped
// when this object is destroyed, and dies with its parent if that crashes.
//
// Its configuration and log live in a private directory (mkdtemp, 0700)
// made for this server under work_dir and removed with it, so that nobody
// can plant a link where the configuration is written.
//
// The child gets PR_SET_PDEATHSIG, which Linux fires when the *thread*
// that forked it ends: start() and the supervisor's restarts run on
// threads that live as long as the server should.
//
// Thread-safe: stop() and the supervisor may race; mtx_ orders them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>

#include "models/error.hpp"

namespace fraud::service {

struct embedded_nats_options {
  std::string binary = "nats-server";
  int port = 0;                 // 0: a free loopback port
  std::string extra_config;     // nats-server config text, e.g. mappings
  std::string work_dir;         // the private directory goes here; "" = /tmp
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
  pid_t pid() const { return pid_.load(); }

  /// Watches the child from a thread of its own: a server that exits is
  /// started again on the same port (clients reconnect), at most
  /// `max_restarts` times a minute; past that, or when a restart fails,
  /// `gave_up` is called once with the reason and watching ends.
  void supervise(int max_restarts,
                 std::function<void(const fraud::error&)> gave_up);

  /// Restarts so far.
  std::uint64_t restarts() const { return restarts_.load(); }

  /// Stops the supervisor and the server (SIGTERM, then SIGKILL after a
  /// grace period), and removes the private directory.
  void stop();

private:
  embedded_nats() = default;

  // Forks and execs the server, waits until it says it is ready.
  fraud::error launch();
  void watch(int max_restarts,
             std::function<void(const fraud::error&)> gave_up);

  // Immutable after start().
  embedded_nats_options opts_;
  int port_ = 0;
  std::string url_;
  std::string dir_;          // the private directory
  std::string config_path_;
  std::string log_path_;

  std::atomic<pid_t> pid_{-1};  // -1: no child
  std::atomic<std::uint64_t> restarts_{0};
  std::mutex mtx_;              // guards stopping_; held while (re)launching
  std::condition_variable cv_;  // wakes the supervisor to stop
  bool stopping_ = false;
  std::thread supervisor_;
};

/// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

} // namespace fraud::service
