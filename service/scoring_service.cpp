#include "service/scoring_service.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

#include "service/error.hpp"

namespace fraud::service {

scoring_service::scoring_service(config cfg)
  : cfg_(std::move(cfg)), rules_(models::make_default_ruleset()) {
}

scoring_service::~scoring_service() {
  stop();
}

caf::error scoring_service::start() {
  if (cfg_.nats_url.empty()) {
    embedded_nats_options o;
    o.binary = cfg_.nats_server_binary;
    o.port = cfg_.nats_port;
    auto slash = cfg_.db_path.rfind('/');
    o.work_dir = slash == std::string::npos ? "." : cfg_.db_path.substr(0, slash);
    auto server = embedded_nats::start(o);
    if (!server)
      return server.error();
    embedded_ = std::move(*server);
    nats_url_ = embedded_->url();
    std::printf("fraudd: started nats-server at %s (log: %s)\n",
                nats_url_.c_str(), embedded_->log_path().c_str());
  } else {
    nats_url_ = cfg_.nats_url;
  }
  sys_cfg_.set("scheduler.policy", cfg_.scheduler == "stealing"
                                     ? caf::atom("stealing")
                                     : caf::atom("sharing"));
  if (cfg_.workers > 0)
    sys_cfg_.set("scheduler.max-threads", static_cast<size_t>(cfg_.workers));
  register_error_category(sys_cfg_);
  sys_ = std::make_unique<caf::actor_system>(sys_cfg_);
  nats_options no;
  no.url = nats_url_;
  no.name = cfg_.name;
  no.send_asap = cfg_.send_asap;
  auto conn = nats_connection::connect(no);
  if (!conn)
    return conn.error();
  conn_ = std::move(*conn);
  sink_ = std::make_unique<nats_decision_sink>(conn_->get(), stats_);
  env_.sink = sink_.get();
  env_.rules = &rules_;
  env_.stats = &stats_;
  for (auto& subject : cfg_.subjects) {
    ingress_options io;
    io.subject = subject;
    io.card_token = cfg_.card_token;
    io.queue_group = cfg_.queue_group;
    ingresses_.push_back(std::make_unique<ingress>(*sys_, env_, conn_->get(),
                                                   stats_, io));
    if (auto err = ingresses_.back()->start())
      return err;
  }
  if (auto s = conn_->flush(2000); s != NATS_OK)
    return make_error(ec::nats_error,
                      "subscriptions not confirmed: " + describe(s));
  return caf::none;
}

caf::error scoring_service::stop() {
  if (stopped_)
    return caf::none;
  stopped_ = true;
  caf::error result;
  // 1. Stop intake: whatever NATS already delivered is still scored.
  for (auto& in : ingresses_)
    if (auto err = in->drain(cfg_.drain_timeout_ms); err && !result)
      result = err;
  // 2. Wait for the card actors to finish what was routed to them.
  auto deadline = std::chrono::steady_clock::now()
                  + std::chrono::milliseconds(cfg_.drain_timeout_ms);
  while (stats_.decided() < stats_.routed.get()
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (stats_.decided() < stats_.routed.get() && !result)
    result = make_error(ec::timeout,
                        std::to_string(stats_.routed.get() - stats_.decided())
                          + " transactions still in flight at shutdown");
  // 3. Flush replies and publications, then take everything down in the
  //    reverse order of creation.
  if (conn_)
    conn_->flush(2000);
  ingresses_.clear();
  sys_.reset();
  sink_.reset();
  conn_.reset();
  embedded_.reset();
  return result;
}

} // namespace fraud::service
