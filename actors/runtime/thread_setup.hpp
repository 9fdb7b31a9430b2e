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

/// Names the calling thread (at most 15 characters are kept).
void name_this_thread(const char* name);

/// Names the calling thread and sets its nice value, once per thread;
/// later calls do nothing.
void setup_this_thread_once(const char* name, int nice);

} // namespace fraud::actors
