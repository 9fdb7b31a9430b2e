// fraudd: the fraud scoring service.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"
#include "models/error.hpp"
#include "protocol/codec.hpp"
#include "service/config.hpp"
#include "service/scoring_service.hpp"

int main(int argc, char** argv) {
  using namespace fraud::service;
  // Block the signals we wait for before any thread starts, so that every thread
  // inherits the mask and only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // SIGHUP reads --analyst-keys again (README: Security).
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  config cfg;
  CLI::App app{"fraudd: scores card transactions arriving over NATS with "
               "per-card actors"};
  declare_options(app, cfg);
  CLI11_PARSE(app, argc, argv);
  if (auto problem = check(cfg); !problem.empty()) {
    std::fprintf(stderr, "fraudd: %s\n", problem.c_str());
    return 2;
  }
  if (auto err = resolve(cfg.nats_auth)) {
    std::fprintf(stderr, "fraudd: %s\n", fraud::to_string(err).c_str());
    return 2;
  }
  fraud::log::configure_logging(cfg.log_level);
  fraud::log::configure_log_format(cfg.log_format);
  // libprotobuf logs a line per bad string field: input can trigger it.
  fraud::protocol::set_protobuf_log_handler([](const std::string& message) {
    FRAUD_LOG_LIMITED(6, warn, "protobuf", "{}", message);
  });
  // Before any thread starts, so that every thread inherits it; the SQLite
  // writers then lower themselves (--writer-nice). On two cores shared with
  // nats-server, this is what keeps the answering threads from waiting
  // behind everything else (BENCHMARKS.md).
  if (cfg.nice != 0 && !fraud::actors::set_this_thread_nice(cfg.nice))
    FRAUD_LOG(warn, "fraudd", "cannot run at nice {} ({}); running at normal "
              "priority", cfg.nice, std::strerror(errno));
  scoring_service service{cfg};
  if (auto err = service.start()) {
    FRAUD_LOG(critical, "fraudd", "cannot start: {}", fraud::to_string(err));
    return 1;
  }
  if (!service.credentials_dir().empty())
    std::printf("fraudd: credentials for the local server (scorer, "
                "authoriser, analyst, viewer) in %s\n",
                service.credentials_dir().c_str());
  // Before the ready line, so that a script that waits for that one finds
  // this one too.
  if (auto http = service.http_url(); !http.empty())
    std::printf("fraudd: metrics on %smetrics%s\n", http.c_str(),
                cfg.dashboard ? (", dashboard on " + http).c_str() : "");
  std::printf("fraudd: ready on %s, ", redact_url(service.nats_url()).c_str());
  if (auto c = service.cluster()) {
    std::printf("cluster instance %s: partitions of %d by lease in %s\n",
                c->instance.c_str(), cfg.cluster.partitions,
                cfg.cluster.lease_bucket.c_str());
  } else {
    std::printf("subjects:");
    for (auto& s : cfg.subjects)
      std::printf(" %s", s.c_str());
    std::printf("\n");
  }
  std::fflush(stdout);
  FRAUD_LOG(info, "fraudd", "started as {} on {}{}", service.instance_id(),
            redact_url(service.nats_url()),
            service.http_url().empty() ? ""
                                       : ", HTTP on " + service.http_url());
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    if (auto err = service.reload_analyst_keys())
      FRAUD_LOG(err, "fraudd", "SIGHUP: {}; the analyst keys in use stay",
                fraud::to_string(err));
  }
  FRAUD_LOG(info, "fraudd", "{}: draining, then stopping",
            service.failure() ? "failure" : sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::printf("fraudd: %s received, draining\n",
              service.failure() ? "failure"
              : sig == SIGINT   ? "SIGINT"
                                : "SIGTERM");
  std::fflush(stdout);
  // The last line of defence: whatever hangs (a library deadlock, a disk
  // that blocks instead of failing), the process ends within the drain
  // timeout plus the bounded flushes, with a critical log line and exit
  // code 2 instead of waiting for a kill -9.
  std::thread{[budget = service.stop_budget()] {
    std::this_thread::sleep_for(budget);
    FRAUD_LOG(critical, "fraudd",
              "shutdown did not finish within {} ms; exiting now",
              budget.count());
    std::fflush(stderr);
    std::fflush(stdout);
    ::_exit(2);
  }}.detach();
  auto err = service.stop();
  if (auto failed = service.failure())
    err = failed;
  auto& s = service.stats();
  std::printf("fraudd: stopped; received %llu, decided %llu, rejected %llu\n",
              static_cast<unsigned long long>(s.received.get()),
              static_cast<unsigned long long>(s.decided()),
              static_cast<unsigned long long>(s.rejected()));
  if (err) {
    FRAUD_LOG(err, "fraudd", "unclean stop: {}", fraud::to_string(err));
    return 1;
  }
  FRAUD_LOG(info, "fraudd", "stopped: received {}, decided {}, rejected {}",
            s.received.get(), s.decided(), s.rejected());
  return 0;
}
