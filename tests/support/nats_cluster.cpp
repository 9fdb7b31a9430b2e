#include "tests/support/nats_cluster.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <nats/nats.h>

#include "service/client/nats_connection.hpp"
#include "service/client/nkey.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"

namespace fraud::test {

namespace {

const char* const roles[] = {"scorer", "authoriser", "analyst", "viewer"};

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string read_all(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return {};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

fraud::expected<std::string> inline_includes(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return make_error(ec::config_error, "cannot read " + path);
  auto dir = path.substr(0, path.find_last_of('/') + 1);
  std::string out, line;
  while (std::getline(in, line)) {
    auto t = trim(line);
    if (t.rfind("include ", 0) != 0) {
      out += line + "\n";
      continue;
    }
    auto name = trim(t.substr(8));
    if (name.size() >= 2 && (name.front() == '"' || name.front() == '\''))
      name = name.substr(1, name.size() - 2);
    auto included = inline_includes(dir + name);
    if (!included)
      return included.error();
    out += *included;
  }
  return out;
}

fraud::expected<std::unique_ptr<nats_cluster>>
nats_cluster::start(const std::string& work_dir) {
  std::unique_ptr<nats_cluster> self{new nats_cluster};
  self->dir_ = work_dir;
  auto config = inline_includes(FRAUD_SOURCE_DIR
                                "/deploy/nats/cluster/cluster.conf");
  if (!config)
    return config.error();
  self->config_ = std::move(*config);
  for (auto* role : roles) {
    auto seed = service::nkey::generate_user_seed();
    auto path = work_dir + "/cluster-" + role + ".nk";
    if (auto err = service::nkey::write_seed_file(path, seed))
      return err;
    self->seed_files_[role] = path;
    ::setenv(("FRAUD_" + upper(role) + "_NKEY").c_str(),
             service::nkey::public_key(seed)->c_str(), 1);
  }
  for (int i = 0; i < size; ++i) {
    self->client_ports_[i] = service::free_loopback_port();
    self->route_ports_[i] = service::free_loopback_port();
    if (self->client_ports_[i] <= 0 || self->route_ports_[i] <= 0)
      return make_error(ec::process_error, "no free loopback port");
  }
  for (int i = 0; i < size; ++i)
    if (auto err = self->launch(i))
      return err;
  // A JetStream leader needs a quorum of the routed servers: a few
  // seconds on a quiet machine, longer on a loaded one.
  for (int i = 0; i < size; ++i)
    if (!eventually([&] { return self->jetstream_answers(i, 2000); },
                    std::chrono::seconds(60)))
      return make_error(ec::timeout, "JetStream never answered through "
                                       "server "
                                       + std::to_string(i) + "; its log:\n"
                                       + self->log(i));
  return self;
}

fraud::error nats_cluster::launch(int i) {
  std::string routes;
  for (int j = 0; j < size; ++j)
    routes += "    nats://127.0.0.1:" + std::to_string(route_ports_[j]) + "\n";
  auto name = "n" + std::to_string(i + 1);
  auto store = dir_ + "/jetstream-" + name;
  ::mkdir(store.c_str(), 0700);
  // As deploy/nats/cluster/n1.conf, on this cluster's ports.
  service::embedded_nats_options o;
  o.binary = nats_server_binary();
  o.port = client_ports_[i];
  o.work_dir = dir_;
  o.start_timeout_ms = 30000;
  o.extra_config = config_ + "\nserver_name: " + name
                   + "\ncluster {\n  name: fraud\n  listen: 127.0.0.1:"
                   + std::to_string(route_ports_[i]) + "\n  routes: [\n"
                   + routes + "  ]\n}\njetstream {\n  store_dir: \"" + store
                   + "\"\n}\n";
  auto server = service::embedded_nats::start(o);
  if (!server)
    return with_context(server.error(), "starting " + name);
  servers_[i] = std::move(*server);
  return {};
}

std::string nats_cluster::url(int i) const {
  return "nats://127.0.0.1:" + std::to_string(client_ports_[i]);
}

std::string nats_cluster::urls() const {
  std::string out;
  for (int i = 0; i < size; ++i)
    out += (i ? "," : "") + url(i);
  return out;
}

const std::string& nats_cluster::seed_file(const std::string& role) const {
  return seed_files_.at(role);
}

void nats_cluster::kill(int i) {
  if (!servers_[i])
    return;
  if (auto pid = servers_[i]->pid(); pid > 0)
    ::kill(pid, SIGKILL);
  servers_[i].reset();  // reaps the child, removes its private directory
}

fraud::error nats_cluster::restart(int i) {
  if (auto err = launch(i))
    return err;
  if (!eventually([&] { return jetstream_answers(i, 2000); },
                  std::chrono::seconds(60)))
    return make_error(ec::timeout, "JetStream never answered through the "
                                   "restarted server; its log:\n"
                                     + log(i));
  return {};
}

std::string nats_cluster::log(int i) const {
  return servers_[i] ? read_all(servers_[i]->log_path()) : std::string{};
}

bool nats_cluster::jetstream_answers(int i, int timeout_ms) const {
  service::nats_options o;
  o.url = url(i);
  o.name = "cluster-readiness";
  o.max_reconnect = 0;
  o.auth.nkey_file = seed_file("scorer");
  o.auth.inbox_prefix = "_INBOX.scorer";
  auto conn = service::nats_connection::connect(o);
  if (!conn)
    return false;
  natsMsg* reply = nullptr;
  auto s = natsConnection_RequestString(&reply, (*conn)->get(),
                                        "$JS.API.INFO", "", timeout_ms);
  // An answer that is an error (no JetStream yet, no leader) is no answer.
  bool ok = s == NATS_OK
            && std::string{natsMsg_GetData(reply),
                           static_cast<std::size_t>(
                             natsMsg_GetDataLength(reply))}
                   .find("\"error\"")
                 == std::string::npos;
  natsMsg_Destroy(reply);
  return ok;
}

} // namespace fraud::test
