// A bound on the work one search may make SQLite do: after about
// `max_steps` virtual-machine steps its statement is interrupted (the step
// returns SQLITE_INTERRUPT). Steps, not time, so that the same search on
// the same data stops at the same row on any machine and under any load.
//
// Installs a progress handler on the connection for its lifetime; one at
// a time per connection, on the connection's thread.
#pragma once

#include <cstdint>
#include <string>

#include <sqlite3.h>

#include "models/error.hpp"

namespace fraud::service {

class scan_budget {
public:
  /// `max_steps` 0: no bound.
  scan_budget(sqlite3* db, std::uint64_t max_steps);
  ~scan_budget();
  scan_budget(const scan_budget&) = delete;
  scan_budget& operator=(const scan_budget&) = delete;

  /// True once it interrupted a statement.
  bool exhausted() const { return exhausted_; }

  /// LIMIT_EXCEEDED (query_max_steps) for a search that found nothing
  /// before the budget ran out; `narrow` says how to ask for less.
  fraud::error exceeded(const std::string& narrow) const;

private:
  static int on_progress(void* self);

  sqlite3* db_;
  std::uint64_t max_steps_;
  std::uint64_t checks_left_;
  bool exhausted_ = false;
};

} // namespace fraud::service
