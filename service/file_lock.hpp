// An exclusive advisory lock on a file (flock), held for the life of the
// object: how one fraudd claims its database files, so that a second
// instance started on the same --db refuses to run instead of answering
// every transaction a second time.
//
// flock locks are apart from the POSIX record locks SQLite takes, and the
// descriptor stays open until the lock is dropped (after the databases are
// closed): closing another descriptor of the file would drop SQLite's
// locks, never this one.
#pragma once

#include <string>

#include "models/error.hpp"

namespace fraud::service {

class file_lock {
public:
  /// Creates `path` if missing and locks it, without waiting: an error
  /// naming the file when another process holds it.
  static fraud::expected<file_lock> exclusive(const std::string& path);

  file_lock(file_lock&& other) noexcept;
  file_lock& operator=(file_lock&& other) noexcept;
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  ~file_lock();

private:
  explicit file_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace fraud::service
