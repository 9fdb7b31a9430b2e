#include "service/http_server.hpp"

#include <charconv>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "actors/runtime/log.hpp"
#include "actors/runtime/thread_setup.hpp"
#include "protocol/codec.hpp"
#include "service/dashboard_assets.hpp"
#include "service/dashboard_feed.hpp"
#include "service/service_metrics.hpp"

namespace fraud::service {

namespace {

constexpr const char* metrics_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* json_type = "application/json";
constexpr const char* text_type = "text/plain; charset=utf-8";

// The paths requests are counted under; anything else is "other", so that
// a scan of random paths cannot grow the metrics without bound.
constexpr const char* known_paths[] = {
  "/metrics",      "/healthz",    "/readyz",       "/",
  "/api/summary",  "/api/latest", "/api/decision",
};

std::string counted_path(const std::string& path) {
  for (auto* p : known_paths)
    if (path == p)
      return p;
  if (find_dashboard_file(path) != nullptr)
    return "asset";
  return "other";
}

void send_error(httplib::Response& res, const fraud::error& err) {
  res.status = err.code() == ec::not_found     ? 404
               : err.code() == ec::bad_request ? 400
                                               : 500;
  nlohmann::json j{{"error",
                    {{"code", protocol::wire_name(err.code())},
                     {"field", err.field()},
                     {"message", err.what()}}}};
  // Never throws on bytes that are not UTF-8 (a tx_id can be anything).
  res.set_content(j.dump(-1, ' ', false,
                         nlohmann::json::error_handler_t::replace),
                  json_type);
}

void send_json(httplib::Response& res,
               const fraud::expected<std::string>& body) {
  if (!body)
    return send_error(res, body.error());
  res.set_content(*body, json_type);
}

} // namespace

// The server's own traffic, counted in a prometheus-cpp registry (the
// scoring path never passes here).
struct http_server::request_counts {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
    prometheus::BuildCounter()
      .Name("fraud_http_requests_total")
      .Help("Requests to fraudd's HTTP listener, by path and status code.")
      .Register(registry);
};

fraud::expected<std::unique_ptr<http_server>>
http_server::start(const http_options& opts, http_routes routes) {
  std::unique_ptr<http_server> s{new http_server};
  s->opts_ = opts;
  s->routes_ = std::move(routes);
  s->counts_ = std::make_unique<request_counts>();
  s->svr_ = std::make_unique<httplib::Server>();
  auto threads = opts.threads;
  s->svr_->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  // A browser keeps connections open; each holds a pool thread while it
  // is, so they are let go soon enough for a scrape never to wait long.
  s->svr_->set_keep_alive_timeout(1);
  s->svr_->set_read_timeout(5);
  s->svr_->set_write_timeout(5);
  s->svr_->set_payload_max_length(64 * 1024);  // only GETs are served
  s->route();
  s->port_ = opts.port == 0 ? s->svr_->bind_to_any_port(opts.address)
             : s->svr_->bind_to_port(opts.address, opts.port) ? opts.port
                                                                : -1;
  if (s->port_ <= 0)
    return make_error(ec::config_error,
                      "cannot listen on " + opts.address + ":"
                        + std::to_string(opts.port)
                        + " (--metrics-address, --metrics-port): in use, or "
                          "not an address of this machine");
  auto* svr = s->svr_.get();
  s->thread_ = std::thread{[svr] {
    // Before listen makes its pool, whose threads take the name over.
    actors::name_this_thread("fraud-http");
    svr->listen_after_bind();
  }};
  FRAUD_LOG(info, "http", "serving /metrics, /healthz, /readyz{} at {}",
            s->routes_.feed != nullptr ? " and the dashboard" : "", s->url());
  return s;
}

http_server::~http_server() {
  if (svr_)
    svr_->stop();
  if (thread_.joinable())
    thread_.join();
}

std::string http_server::url() const {
  auto host = opts_.address.find(':') != std::string::npos
                ? "[" + opts_.address + "]"
                : opts_.address;
  return "http://" + host + ":" + std::to_string(port_) + "/";
}

void http_server::route() {
  auto& svr = *svr_;
  svr.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                           {"Cache-Control", "no-store"}});
  svr.set_logger([counts = counts_.get()](const httplib::Request& req,
                                          const httplib::Response& res) {
    counts->requests
      .Add({{"path", counted_path(req.path)},
            {"code", std::to_string(res.status)}})
      .Increment();
  });
  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", text_type);
  });
  svr.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    auto r = routes_.readiness ? routes_.readiness()
                               : readiness_report{true, "ready"};
    res.status = r.ready ? 200 : 503;
    res.set_content(r.reason + "\n", text_type);
  });
  svr.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::vector<const prometheus::Collectable*> all{&counts_->registry};
    if (routes_.metrics != nullptr)
      all.insert(all.begin(), routes_.metrics);
    res.set_content(serialize_metrics(all), metrics_type);
  });
  if (routes_.feed == nullptr) {
    svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("fraudd: /metrics, /healthz, /readyz (the dashboard "
                      "is off: --dashboard)\n",
                      text_type);
    });
    return;
  }
  auto* feed = routes_.feed;
  svr.Get("/api/summary", [feed](const httplib::Request& req,
                                 httplib::Response& res) {
    std::int64_t since = 0;
    auto text = req.get_param_value("since");
    if (!text.empty()) {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                       since);
      if (ec != std::errc{} || end != text.data() + text.size() || since < 0)
        return send_error(res, fraud::error::in_field(
                                 ec::bad_request, "since",
                                 "since is a time in ms since the epoch"));
    }
    res.set_content(feed->summary_json(since), json_type);
  });
  svr.Get("/api/latest", [feed](const httplib::Request&,
                                httplib::Response& res) {
    send_json(res, feed->latest_json());
  });
  svr.Get("/api/decision", [feed](const httplib::Request& req,
                                  httplib::Response& res) {
    auto tx = req.get_param_value("tx_id");
    if (tx.empty() || tx.size() > 256)
      return send_error(res, fraud::error::in_field(
                               ec::bad_request, "tx_id",
                               "tx_id is required (at most 256 bytes)"));
    send_json(res, feed->decision_json(tx));
  });
  // The page and its scripts, from fraudd itself (dashboard_assets.hpp).
  svr.Get(R"(/|/[a-z0-9_./-]+)", [](const httplib::Request& req,
                                    httplib::Response& res) {
    auto* f = find_dashboard_file(req.path);
    if (f == nullptr) {
      res.status = 404;
      res.set_content("not found\n", text_type);
      return;
    }
    // Only fraudd's own files run on the page.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                   "img-src 'self' data:; frame-ancestors 'none'");
    res.set_content(reinterpret_cast<const char*>(f->data), f->size,
                    f->content_type);
  });
}

} // namespace fraud::service
