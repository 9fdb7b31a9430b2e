#include "tests/support/fraudd_process.hpp"

#include <chrono>
#include <csignal>
#include <execinfo.h>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "models/error.hpp"
#include "tests/support/eventually.hpp"

namespace fraud::test {

namespace {

// An integration test that dies of a signal says where: once, a test
// process aborted in CI with no output at all. Async-signal-safe only.
void report_fatal_signal(int sig) {
  const char msg[] = "\n*** test process killed by a signal; backtrace:\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  void* frames[64];
  int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
  std::signal(sig, SIG_DFL);
  ::raise(sig);
}

const bool fatal_signals_reported = [] {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc now, not in the handler
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    std::signal(sig, report_fatal_signal);
  return true;
}();

} // namespace

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/fraud-test-XXXXXX";
  auto* p = ::mkdtemp(tmpl);
  path_ = p != nullptr ? p : "/tmp";
}

temp_dir::~temp_dir() {
  if (path_ != "/tmp")
    std::system(("rm -rf '" + path_ + "'").c_str());
}

std::unique_ptr<service::embedded_nats> start_nats(const std::string& dir) {
  service::embedded_nats_options o;
  o.binary = FRAUD_NATS_SERVER;
  o.work_dir = dir;
  auto server = service::embedded_nats::start(o);
  if (!server) {
    ADD_FAILURE() << "nats-server: " << fraud::to_string(server.error());
    return nullptr;
  }
  return std::move(*server);
}

std::string nats_server_binary() {
  return FRAUD_NATS_SERVER;
}

std::string fraudd_binary() {
  // FRAUD_TEST_FRAUDD runs the tests against another build of fraudd, e.g.
  // an older one, to see a test fail before a fix.
  if (const char* other = std::getenv("FRAUD_TEST_FRAUDD"))
    return other;
  return FRAUDD_BINARY;
}

std::string fraudctl_binary() {
  return FRAUDCTL_BINARY;
}

bool fraudd_process::start(const std::vector<std::string>& args,
                           int timeout_ms) {
  char tmpl[] = "/tmp/fraudd-out-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0)
    return false;
  if (!log_path_.empty())
    std::remove(log_path_.c_str());  // a restart's previous log
  log_path_ = tmpl;
  auto bin = fraudd_binary();
  auto parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // fraudd dies with the test process, however that ends: an aborted
    // test must not leave a fraudd running (and taking CPU) behind it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fd);
  bool exited = false;
  auto ready_or_exited = [&] {
    if (output().find("fraudd: ready") != std::string::npos)
      return true;
    int status = 0;
    exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
    return exited;
  };
  if (eventually(ready_or_exited, std::chrono::milliseconds(timeout_ms))
      && !exited)
    return true;
  if (exited)
    pid_ = -1;  // reaped: nothing to stop
  else
    stop(SIGKILL);
  return false;
}

namespace {

int exit_code(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

int fraudd_process::stop(int sig) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return exit_code(status);
}

std::optional<int> fraudd_process::wait_exit(int timeout_ms) {
  if (pid_ <= 0)
    return std::nullopt;
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(timeout_ms);
  do {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return exit_code(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

std::string fraudd_process::output() const {
  std::ifstream in{log_path_};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fraudd_process::~fraudd_process() {
  if (pid_ > 0)
    stop(SIGKILL);
  if (!log_path_.empty())
    std::remove(log_path_.c_str());
}

int run_command(const std::string& cmd, std::string& out) {
  out.clear();
  auto* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr)
    return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
    out.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace fraud::test
