#include "service/embedded_nats.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <deque>
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
#include <vector>

#include "actors/runtime/log.hpp"
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
  self->opts_ = opts;
  self->port_ = opts.port > 0 ? opts.port : free_loopback_port();
  if (self->port_ <= 0)
    return make_error(ec::process_error, "no free loopback port");
  auto base = opts.work_dir.empty() ? std::string{"/tmp"} : opts.work_dir;
  std::string templ = base + "/fraud-nats-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr)
    return make_error(ec::process_error, "cannot make a private directory in "
                                           + base + ": "
                                           + std::strerror(errno));
  self->dir_ = templ;
  self->config_path_ = self->dir_ + "/nats.conf";
  self->log_path_ = self->dir_ + "/nats-server.log";
  // Our listen address last: it wins over one in extra_config (the
  // shipped configuration's), so the embedded server is loopback only.
  std::string conf = "max_payload: 1048576\n" + opts.extra_config
                     + "\nlisten: 127.0.0.1:" + std::to_string(self->port_)
                     + "\n";
  int fd = ::open(self->config_path_.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  bool written = fd >= 0
                 && ::write(fd, conf.data(), conf.size())
                      == static_cast<ssize_t>(conf.size());
  if (fd >= 0)
    ::close(fd);
  if (!written)
    return make_error(ec::process_error, "cannot write " + self->config_path_
                                           + ": " + std::strerror(errno));
  if (auto err = self->launch())
    return err;  // the destructor removes the directory
  self->url_ = "nats://127.0.0.1:" + std::to_string(self->port_);
  return self;
}

namespace {

// The last lines of a file, for an error message.
std::string tail_of(const std::string& path, std::size_t lines) {
  std::ifstream in{path};
  std::vector<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines)
      last.erase(last.begin());
  }
  std::string out;
  for (auto& l : last)
    out += "\n  " + l;
  return out;
}

} // namespace

fraud::error embedded_nats::launch() {
  // "ready" must be this run's.
  ::unlink(log_path_.c_str());
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
    int log = ::open(log_path_.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      ::close(log);
    }
    ::execlp(opts_.binary.c_str(), opts_.binary.c_str(), "-c",
             config_path_.c_str(), static_cast<char*>(nullptr));
    // Only async-signal-safe calls between fork and exec: no logger here.
    const char msg[] = "fraud: cannot run nats-server\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(opts_.start_timeout_ms);
  // Ready when our child says so: a port that accepts connections could be
  // another server's, if the port was taken between choosing and binding.
  auto ready = [&] {
    std::ifstream log{log_path_};
    std::string line;
    while (std::getline(log, line))
      if (line.find("Server is ready") != std::string::npos)
        return true;
    return false;
  };
  while (!(ready() && accepts_connections(port_))) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid_ = -1;
      return make_error(ec::process_error,
                        opts_.binary + " exited during start-up (is it "
                                       "installed, and is port "
                          + std::to_string(port_) + " free?); its log:"
                          + tail_of(log_path_, 5));
    }
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(ec::timeout, opts_.binary + " did not listen on port "
                                       + std::to_string(port_));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

void embedded_nats::supervise(
  int max_restarts, std::function<void(const fraud::error&)> gave_up) {
  supervisor_ = std::thread{[this, max_restarts, gave_up = std::move(gave_up)] {
    watch(max_restarts, gave_up);
  }};
}

void embedded_nats::watch(int max_restarts,
                          std::function<void(const fraud::error&)> gave_up) {
  std::deque<std::chrono::steady_clock::time_point> recent;
  std::unique_lock<std::mutex> guard{mtx_};
  while (!cv_.wait_for(guard, std::chrono::milliseconds(100),
                       [this] { return stopping_; })) {
    int status = 0;
    auto pid = pid_.load();
    if (pid <= 0 || ::waitpid(pid, &status, WNOHANG) != pid)
      continue;
    pid_ = -1;
    auto how = WIFSIGNALED(status)
                 ? "killed by signal " + std::to_string(WTERMSIG(status))
                 : "exited with status " + std::to_string(WEXITSTATUS(status));
    auto now = std::chrono::steady_clock::now();
    while (!recent.empty() && now - recent.front() > std::chrono::minutes(1))
      recent.pop_front();
    if (static_cast<int>(recent.size()) >= max_restarts) {
      auto err = make_error(ec::process_error,
                            "nats-server " + how + ", the "
                              + std::to_string(recent.size() + 1)
                              + "th time in a minute; not restarting it");
      guard.unlock();
      gave_up(err);
      return;
    }
    recent.push_back(now);
    FRAUD_LOG(warn, "nats", "nats-server (pid {}) {}; starting it again on "
                            "port {}", pid, how, port_);
    if (auto err = launch()) {
      guard.unlock();
      gave_up(with_context(err, "restarting nats-server"));
      return;
    }
    restarts_.fetch_add(1);
    FRAUD_LOG(info, "nats", "nats-server running again (pid {})",
              pid_.load());
  }
}

void embedded_nats::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  if (supervisor_.joinable())
    supervisor_.join();
  if (auto pid = pid_.load(); pid > 0) {
    ::kill(pid, SIGTERM);
    int status = 0;
    bool gone = false;
    for (int i = 0; i < 300 && !gone; ++i) {
      gone = ::waitpid(pid, &status, WNOHANG) == pid;
      if (!gone)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!gone) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    ::unlink(config_path_.c_str());
    ::unlink(log_path_.c_str());
    ::rmdir(dir_.c_str());
    dir_.clear();
  }
}

embedded_nats::~embedded_nats() {
  stop();
}

} // namespace fraud::service
