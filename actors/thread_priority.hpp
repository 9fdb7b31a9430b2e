// Background writers (the decision store, the snapshot writer) run below
// the threads that answer transactions: on a machine with few cores, a
// SQLite commit must not take the CPU from a NATS callback that is
// scoring. Their work is batched and queued, so running later costs
// nothing but queue depth (visible as store_backlog / snapshot_backlog).
#pragma once

namespace fraud::actors {

/// Sets the calling thread's nice value (Linux: per thread; 0 leaves it).
/// Returns false when the system refused; the thread then runs as before.
bool set_this_thread_nice(int nice);

/// Calls set_this_thread_nice once per thread; later calls do nothing.
void lower_this_thread_once(int nice);

} // namespace fraud::actors
