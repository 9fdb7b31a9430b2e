// The dashboard's files (web/ and Chart.js from npm), compiled into fraudd
// by cmake/embed_files.cmake so that it serves them with nothing on disk.
#pragma once

#include <cstddef>
#include <string_view>

namespace fraud::service {

struct embedded_file {
  const char* path;          // as requested: "/", "/dashboard.js", ...
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};

/// The file served at `path`, or nullptr.
const embedded_file* find_dashboard_file(std::string_view path);

} // namespace fraud::service
