// The nats-server fraudd starts when it is given no --nats URL: where its
// files go, and what happens when it dies.
#include "service/embedded_nats.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <thread>

#include <gtest/gtest.h>

#include "service/client/nats_connection.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
namespace fs = std::filesystem;

service::embedded_nats_options options_in(const std::string& dir) {
  service::embedded_nats_options o;
  o.binary = test::nats_server_binary();
  o.work_dir = dir;
  return o;
}

bool answers(const std::string& url) {
  service::nats_options o;
  o.url = url;
  o.max_reconnect = 0;
  return service::nats_connection::connect(o).has_value();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(embedded_nats, refuses_a_port_another_server_holds) {
  test::temp_dir dir;
  auto first = test::start_nats(dir.path());
  ASSERT_TRUE(first);
  auto o = options_in(dir.path());
  o.port = first->port();
  auto second = service::embedded_nats::start(o);
  EXPECT_FALSE(second) << "connected to the other server instead";
}

TEST(embedded_nats, keeps_its_files_in_a_private_directory_removed_on_stop) {
  test::temp_dir dir;
  auto server = service::embedded_nats::start(options_in(dir.path()));
  ASSERT_TRUE(server) << to_string(server.error());
  auto private_dir = fs::path((*server)->log_path()).parent_path();
  EXPECT_EQ(private_dir.parent_path(), fs::path(dir.path()));
  struct stat st {};
  ASSERT_EQ(::stat(private_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  (*server)->stop();
  EXPECT_FALSE(fs::exists(private_dir));
}

// Whatever links someone plants in the directory, nothing is written
// through them.
TEST(embedded_nats, writes_nothing_through_a_planted_link) {
  test::temp_dir dir;
  auto victim = dir.file("victim");
  { std::ofstream(victim) << "precious"; }
  for (auto* name : {"nats.conf", "nats-server.log", "nats-server.conf"})
    fs::create_symlink(victim, dir.file(name));
  auto server = service::embedded_nats::start(options_in(dir.path()));
  ASSERT_TRUE(server) << to_string(server.error());
  (*server)->stop();
  EXPECT_EQ(read_file(victim), "precious");
}

TEST(embedded_nats, a_server_that_dies_is_started_again_on_its_port) {
  test::temp_dir dir;
  auto server = service::embedded_nats::start(options_in(dir.path()));
  ASSERT_TRUE(server) << to_string(server.error());
  std::atomic<bool> gave_up{false};
  (*server)->supervise(3, [&](const error&) { gave_up = true; });
  auto first_pid = (*server)->pid();
  ASSERT_EQ(::kill(first_pid, SIGKILL), 0);
  EXPECT_TRUE(test::eventually([&] { return (*server)->restarts() == 1; }, std::chrono::milliseconds(10000)));
  EXPECT_NE((*server)->pid(), first_pid);
  EXPECT_TRUE(test::eventually([&] { return answers((*server)->url()); }, std::chrono::milliseconds(5000)));
  EXPECT_FALSE(gave_up);
}

TEST(embedded_nats, a_server_that_keeps_dying_is_given_up_once) {
  test::temp_dir dir;
  auto server = service::embedded_nats::start(options_in(dir.path()));
  ASSERT_TRUE(server) << to_string(server.error());
  std::atomic<int> gave_up{0};
  (*server)->supervise(2, [&](const error& e) {
    EXPECT_TRUE(e);
    ++gave_up;
  });
  for (int i = 0; i < 3; ++i) {
    auto pid = (*server)->pid();
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGKILL);
    if (i < 2)
      ASSERT_TRUE(test::eventually([&] {
        return (*server)->restarts() == static_cast<std::uint64_t>(i + 1);
      }, std::chrono::milliseconds(10000)));
  }
  EXPECT_TRUE(test::eventually([&] { return gave_up.load() == 1; }, std::chrono::milliseconds(10000)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(gave_up.load(), 1);
  EXPECT_EQ((*server)->restarts(), 2u);
}

// The children of a process, from /proc (every thread's list).
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  auto tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (auto& task : fs::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "children");
    pid_t child = 0;
    while (in >> child)
      out.push_back(child);
  }
  return out;
}

// A user's view: fraudd without --nats keeps answering after its
// nats-server is killed.
TEST(fraudd_embedded_nats, fraudd_restarts_its_nats_server_and_answers_again) {
  test::temp_dir dir;
  auto port = service::free_loopback_port();
  test::fraudd_process fraudd;
  ASSERT_TRUE(fraudd.start({"--nats-server", test::nats_server_binary(),
                            "--nats-port", std::to_string(port), "--db",
                            dir.file("d.db")}));
  auto url = "nats://127.0.0.1:" + std::to_string(port);
  std::string out;
  auto stats = [&] {
    return test::run_command(test::fraudctl_binary() + " --nats " + url
                               + " --timeout-ms 1000 stats 2>&1",
                             out)
           == 0;
  };
  ASSERT_TRUE(stats()) << out;
  auto children = children_of(fraudd.pid());
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(::kill(children[0], SIGKILL), 0);
  EXPECT_TRUE(test::eventually(stats, std::chrono::milliseconds(15000))) << out;
  EXPECT_EQ(fraudd.stop(SIGTERM), 0) << fraudd.output();
}

// Past three restarts a minute fraudd stops, non-zero, and says why: an
// instance that cannot keep its server is better dead than deaf.
TEST(fraudd_embedded_nats, fraudd_exits_non_zero_when_its_nats_server_keeps_dying) {
  test::temp_dir dir;
  test::fraudd_process fraudd;
  ASSERT_TRUE(fraudd.start({"--nats-server", test::nats_server_binary(),
                            "--db", dir.file("d.db")}));
  std::optional<int> rc;
  for (int kills = 0; kills < 10 && !rc; ++kills) {
    auto children = children_of(fraudd.pid());
    if (children.size() == 1)
      ::kill(children[0], SIGKILL);
    rc = fraudd.wait_exit(500);
  }
  if (!rc)
    rc = fraudd.wait_exit(10000);
  ASSERT_TRUE(rc) << fraudd.output();
  EXPECT_EQ(*rc, 1) << fraudd.output();
  EXPECT_NE(fraudd.output().find("nats-server"), std::string::npos)
    << fraudd.output();
}

} // namespace
