// Test support: a real fraudd process against a real nats-server, for
// integration tests. Starts the binary the build produced, waits until it
// says it is ready, and stops it with a signal.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "service/embedded_nats.hpp"

namespace fraud::test {

/// A temporary directory, removed with everything in it on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// A nats-server on a free loopback port; fails the test if it cannot start.
std::unique_ptr<service::embedded_nats> start_nats(const std::string& dir);

class fraudd_process {
public:
  /// Starts fraudd with `args` (add --nats URL yourself). Blocks until it
  /// prints its ready line; returns false (and stops it) if it does not
  /// within timeout_ms or exits.
  bool start(const std::vector<std::string>& args, int timeout_ms = 10000);

  /// Sends `sig` and waits for the exit; returns the exit code, or 128+signal
  /// if it was killed by one.
  int stop(int sig);

  /// Waits at most timeout_ms for fraudd to exit by itself; its exit code
  /// as stop() gives it, or nothing if it is still running.
  std::optional<int> wait_exit(int timeout_ms);

  /// Everything fraudd printed on stdout and stderr so far.
  std::string output() const;

  pid_t pid() const { return pid_; }

  ~fraudd_process();

private:
  pid_t pid_ = -1;
  std::string log_path_;
};

/// Path of the nats-server binary the build found.
std::string nats_server_binary();

/// Path of the fraudd binary under test: this build's, or the one
/// FRAUD_TEST_FRAUDD names.
std::string fraudd_binary();

/// Path of the fraudctl binary under test.
std::string fraudctl_binary();

/// Runs a command line with /bin/sh, returns its exit code and fills `out`
/// with its stdout.
int run_command(const std::string& cmd, std::string& out);

} // namespace fraud::test
