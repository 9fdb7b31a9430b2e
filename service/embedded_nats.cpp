#include "service/embedded_nats.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "models/error.hpp"

namespace fraud::service {

namespace {

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0;
  ::close(fd);
  return ok;
}

} // namespace

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

fraud::expected<std::unique_ptr<embedded_nats>>
embedded_nats::start(const embedded_nats_options& opts) {
  std::unique_ptr<embedded_nats> self{new embedded_nats};
  self->port_ = opts.port > 0 ? opts.port : free_loopback_port();
  if (self->port_ <= 0)
    return make_error(ec::process_error, "no free loopback port");
  auto dir = opts.work_dir.empty() ? std::string{"/tmp"} : opts.work_dir;
  self->config_path_ = dir + "/fraud-nats-" + std::to_string(::getpid()) + "-"
                       + std::to_string(self->port_) + ".conf";
  {
    std::ofstream conf{self->config_path_};
    conf << "listen: 127.0.0.1:" << self->port_ << "\n"
         << "max_payload: 1048576\n"
         << opts.extra_config << "\n";
    if (!conf)
      return make_error(ec::process_error,
                        "cannot write " + self->config_path_);
  }
  self->log_path_ = dir + "/nats-server-" + std::to_string(self->port_)
                    + ".log";
  std::remove(self->log_path_.c_str()); // "ready" must be this run's
  auto parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0)
    return make_error(ec::process_error,
                      std::string{"fork failed: "} + std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
      ::_exit(1);
    // The server's own log goes to a file: our stdout is for our output.
    int log = ::open(self->log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                     0644);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      ::close(log);
    }
    ::execlp(opts.binary.c_str(), opts.binary.c_str(), "-c",
             self->config_path_.c_str(), static_cast<char*>(nullptr));
    std::fprintf(stderr, "fraud: cannot run %s: %s\n", opts.binary.c_str(),
                 std::strerror(errno));
    ::_exit(127);
  }
  self->pid_ = pid;
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(opts.start_timeout_ms);
  // Ready when our child says so: a port that accepts connections could be
  // another server's, if the port was taken between choosing and binding.
  auto ready = [&] {
    std::ifstream log{self->log_path_};
    std::string line;
    while (std::getline(log, line))
      if (line.find("Server is ready") != std::string::npos)
        return true;
    return false;
  };
  while (!(ready() && accepts_connections(self->port_))) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      self->pid_ = -1;
      return make_error(ec::process_error,
                        opts.binary + " exited during start-up (is it "
                                      "installed, and is the port free? see "
                                      + self->log_path_ + ")");
    }
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(ec::timeout, opts.binary + " did not listen on port "
                                       + std::to_string(self->port_));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  self->url_ = "nats://127.0.0.1:" + std::to_string(self->port_);
  return self;
}

void embedded_nats::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  if (!config_path_.empty()) {
    std::remove(config_path_.c_str());
    config_path_.clear();
  }
}

embedded_nats::~embedded_nats() {
  stop();
}

} // namespace fraud::service
