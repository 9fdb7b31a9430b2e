#include "service/file_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace fraud::service {

fraud::expected<file_lock> file_lock::exclusive(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                  0600);
  if (fd < 0)
    return make_error(ec::store_error,
                      "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto busy = errno == EWOULDBLOCK;
    auto why = std::string{std::strerror(errno)};
    ::close(fd);
    if (busy)
      return make_error(ec::store_error,
                        path + " is in use by another process (another "
                               "fraudd on the same --db?)");
    return make_error(ec::store_error, "cannot lock " + path + ": " + why);
  }
  return file_lock{fd};
}

file_lock::file_lock(file_lock&& other) noexcept
  : fd_(std::exchange(other.fd_, -1)) {
}

file_lock& file_lock::operator=(file_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

file_lock::~file_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace fraud::service
