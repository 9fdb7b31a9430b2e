// Test support: GET from fraudd's HTTP listener (--metrics-port), and a
// Prometheus text page read into its samples.
#pragma once

#include <map>
#include <sstream>
#include <string>

#include <httplib.h>

namespace fraud::test {

struct http_reply {
  int status = 0;  // 0: no answer
  std::string body;
  std::string content_type;
};

inline http_reply http_get(int port, const std::string& path) {
  httplib::Client c{"127.0.0.1", port};
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  http_reply r;
  if (auto res = c.Get(path.c_str())) {
    r.status = res->status;
    r.body = res->body;
    r.content_type = res->get_header_value("Content-Type");
  }
  return r;
}

/// Every sample of a Prometheus text page: "name{labels}" -> value.
inline std::map<std::string, double> prometheus_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

} // namespace fraud::test
