#include "actors/runtime/thread_setup.hpp"
#include "actors/runtime/log.hpp"

#include <cstdio>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fraud::actors {

bool set_this_thread_nice(int nice) {
  if (nice == 0)
    return true;
  // On Linux, PRIO_PROCESS with a thread id applies to that thread only.
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, nice) == 0;
}

bool set_this_thread_realtime(int priority) {
  if (priority == 0)
    return true;
  sched_param param{};
  param.sched_priority = priority;
  // On Linux, pid 0 is the calling thread only.
  return ::sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &param) == 0;
}

void name_this_thread(const char* name) {
  char shortened[16];
  std::snprintf(shortened, sizeof shortened, "%s", name);
  ::pthread_setname_np(::pthread_self(), shortened);
}

void setup_this_thread_once(const char* name, int nice,
                            int realtime_priority) {
  thread_local bool done = false;
  if (done)
    return;
  done = true;
  name_this_thread(name);
  if (!set_this_thread_nice(nice))
    FRAUD_LOG_LIMITED(6, warn, "threads",
                      "could not set thread {}'s nice value to {} (below 0 "
                      "needs CAP_SYS_NICE); it runs as before",
                      name, nice);
  if (!set_this_thread_realtime(realtime_priority))
    FRAUD_LOG_LIMITED(6, warn, "threads",
                      "could not run thread {} at real-time priority {} "
                      "(needs CAP_SYS_NICE or an RLIMIT_RTPRIO); it runs at "
                      "its nice value",
                      name, realtime_priority);
}

} // namespace fraud::actors
