#include "bench/nats_responder.hpp"

#include <csignal>
#include <cstdio>
#include <pthread.h>

#include <CLI/CLI.hpp>

#include "actors/runtime/thread_setup.hpp"
#include "models/error.hpp"
#include "service/client/nats_connection.hpp"

namespace fraud::bench {

namespace {

// The handler, run on a thread given the options' priority first.
struct prioritised_handler {
  natsMsgHandler handler;
  void* closure;
  int realtime_priority;
};

void on_message(natsConnection* nc, natsSubscription* sub, natsMsg* msg,
                void* closure) {
  auto* h = static_cast<prioritised_handler*>(closure);
  actors::setup_this_thread_once("responder", 0, h->realtime_priority);
  h->handler(nc, sub, msg, h->closure);
}

sigset_t stop_signals() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

} // namespace

void declare_responder_options(CLI::App& app, responder_options& opts) {
  app.add_option("--nats", opts.url, "NATS server URL")->required();
  app.add_option("--subject", opts.subject)->capture_default_str();
  app.add_option("--rt-priority", opts.realtime_priority,
                 "SCHED_RR priority of the handler's thread (0: none)")
    ->capture_default_str()
    ->check(CLI::Range(0, 99));
  service::declare_nats_credentials(app, opts.auth);
}

void block_stop_signals() {
  auto s = stop_signals();
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int run_responder(const responder_options& opts, natsMsgHandler handler,
                  void* closure) {
  service::nats_options no;
  no.url = opts.url;
  no.auth = opts.auth;
  no.name = opts.name;
  if (auto err = service::resolve(no.auth)) {
    std::fprintf(stderr, "%s: %s\n", opts.name.c_str(),
                 fraud::to_string(err).c_str());
    return 2;
  }
  auto conn = service::nats_connection::connect(no);
  if (!conn) {
    std::fprintf(stderr, "%s: %s\n", opts.name.c_str(),
                 fraud::to_string(conn.error()).c_str());
    return 1;
  }
  if (opts.on_connect)
    opts.on_connect((*conn)->get());
  natsSubscription* sub = nullptr;
  prioritised_handler prioritised{handler, closure, opts.realtime_priority};
  auto s = natsConnection_Subscribe(&sub, (*conn)->get(), opts.subject.c_str(),
                                    on_message, &prioritised);
  if (s == NATS_OK)
    s = natsSubscription_SetPendingLimits(sub, 1'000'000, 512 * 1024 * 1024);
  if (s == NATS_OK)
    s = (*conn)->flush(2000);
  if (s != NATS_OK) {
    std::fprintf(stderr, "%s: cannot subscribe to %s: %s\n",
                 opts.name.c_str(), opts.subject.c_str(),
                 service::describe(s).c_str());
    natsSubscription_Destroy(sub);
    return 1;
  }
  std::printf("%s: ready on %s, subject %s\n", opts.name.c_str(),
              opts.url.c_str(), opts.subject.c_str());
  std::fflush(stdout);
  auto signals = stop_signals();
  int sig = 0;
  sigwait(&signals, &sig);
  natsSubscription_Drain(sub);
  natsSubscription_WaitForDrainCompletion(sub, 2000);
  int64_t dropped = 0;
  natsSubscription_GetDropped(sub, &dropped);
  (*conn)->flush(2000);
  natsSubscription_Destroy(sub);
  std::printf("%s: stopped; dropped %lld\n", opts.name.c_str(),
              static_cast<long long>(dropped));
  return 0;
}

} // namespace fraud::bench
