// How fraudd's own threads run: their names (what `top -H` and `ps -L`
// show) and their priorities. Background writers (the decision store, the
// snapshot writer) run below the threads that answer transactions, and
// those may run above everything else: on a machine with few cores, a
// SQLite commit must not take the CPU from a NATS callback that is
// scoring. The writers' work is batched and queued, so running later
// costs nothing but queue depth (store_backlog / snapshot_backlog).
#pragma once

namespace fraud::actors {

/// Sets the calling thread's nice value (Linux: per thread; 0 leaves it).
/// Returns false when the system refused; the thread then runs as before.
bool set_this_thread_nice(int nice);

/// Runs the calling thread under SCHED_RR at `priority` (1-99; 0 leaves
/// it): ahead of every thread that is not real-time, whatever its nice
/// value, so that nothing on the machine preempts it while it answers a
/// transaction. The thread blocks whenever it has nothing to answer, and
/// the kernel's real-time throttling (sched_rt_runtime_us) keeps a share
/// of each CPU for the rest. Children forked from it run normally
/// (SCHED_RESET_ON_FORK). Returns false when the system refused (it needs
/// CAP_SYS_NICE or an RLIMIT_RTPRIO); the thread then runs as before.
bool set_this_thread_realtime(int priority);

/// Names the calling thread (at most 15 characters are kept).
void name_this_thread(const char* name);

/// Names the calling thread and sets its nice value and real-time priority
/// (0: none), once per thread; later calls do nothing. A refusal is logged.
void setup_this_thread_once(const char* name, int nice,
                            int realtime_priority = 0);

} // namespace fraud::actors
