// fraudd's HTTP listener (--metrics-port): /metrics for Prometheus,
// /healthz and /readyz for probes, and the dashboard with its JSON feed
// (README: Metrics, Health, Dashboard). cpp-httplib, on a small thread pool
// of its own: nothing it does runs on, or waits for, the scoring path.
//
// Owns its threads; the destructor stops listening and joins them. The
// routes' sources must outlive the server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "models/error.hpp"
#include "service/readiness.hpp"

namespace httplib {
class Server;
}
namespace prometheus {
class Collectable;
}

namespace fraud::service {

class dashboard_feed;

struct http_options {
  std::string address = "127.0.0.1";
  int port = 0;          // 0: a free one (tests)
  std::size_t threads = 4;
};

struct http_routes {
  const prometheus::Collectable* metrics = nullptr;  // the service's
  std::function<readiness_report()> readiness;
  dashboard_feed* feed = nullptr;  // null: no dashboard, only the above
};

class http_server {
public:
  /// Listens on address:port and serves from a thread of its own; an error
  /// when it cannot listen there.
  static fraud::expected<std::unique_ptr<http_server>>
  start(const http_options& opts, http_routes routes);

  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  int port() const { return port_; }
  /// http://address:port/ (IPv6 addresses in brackets).
  std::string url() const;

private:
  http_server() = default;
  void route();
  struct request_counts;

  http_options opts_;
  http_routes routes_;
  int port_ = 0;
  std::unique_ptr<request_counts> counts_;  // before svr_: it logs into it
  std::unique_ptr<httplib::Server> svr_;
  std::thread thread_;
};

} // namespace fraud::service
