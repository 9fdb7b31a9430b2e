#include "actors/thread_priority.hpp"

#include <cstdio>
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

void set_this_thread_nice_once(int nice) {
  thread_local bool done = false;
  if (done)
    return;
  done = true;
  if (!set_this_thread_nice(nice))
    std::fprintf(stderr, "fraud: could not set a thread's nice value to %d "
                 "(below 0 needs CAP_SYS_NICE); it runs as before\n", nice);
}

} // namespace fraud::actors
