// scoring_service::start() in-process: a start that fails part-way leaves
// nothing running: no thread, no child process, no open database.
#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "service/decision_db.hpp"
#include "service/scoring_service.hpp"
#include "tests/support/fraudd_process.hpp"

namespace fraud::service {
namespace {

std::size_t threads_of_this_process() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (auto* e = readdir(d))
      if (e->d_name[0] != '.')
        ++n;
    closedir(d);
  }
  return n;
}

// Processes whose parent is this one (the embedded nats-server would be).
std::size_t children_of_this_process() {
  std::size_t n = 0;
  auto me = std::to_string(getpid());
  if (DIR* d = opendir("/proc")) {
    while (auto* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9')
        continue;
      std::ifstream stat{std::string{"/proc/"} + e->d_name + "/stat"};
      std::string pid, comm, state, ppid;
      // comm is in parentheses and has no spaces for the programs we start
      if (stat >> pid >> comm >> state >> ppid && ppid == me)
        ++n;
    }
    closedir(d);
  }
  return n;
}

config config_in(const test::temp_dir& dir) {
  config cfg;
  cfg.db_path = dir.file("fraud.db");
  cfg.nats_server_binary = test::nats_server_binary();
  cfg.max_cards = 1000;
  cfg.store_queue = 1000;
  cfg.snapshot_queue = 1000;
  cfg.card_filter_mb = 1;
  cfg.workers = 1;
  return cfg;
}

// nats.c starts library threads on first use that live until the process
// ends: a first failed start takes them, so the baseline counts them.
class failed_start : public ::testing::Test {
protected:
  void SetUp() override {
    test::temp_dir warm;
    auto cfg = config_in(warm);
    cfg.nats_url = "nats://127.0.0.1:1";
    scoring_service s{cfg};
    ASSERT_TRUE(s.start());
  }
};

TEST_F(failed_start, when_nats_cannot_be_reached_leaves_no_thread_behind) {
  test::temp_dir dir;
  auto threads = threads_of_this_process();
  {
    auto cfg = config_in(dir);
    cfg.nats_url = "nats://127.0.0.1:1";  // nothing listens on port 1
    scoring_service s{cfg};
    auto err = s.start();
    ASSERT_TRUE(err);
    EXPECT_EQ(err.code(), ec::nats_error) << to_string(err);
    // Before the service object is gone: start() itself undid its steps.
    EXPECT_EQ(threads_of_this_process(), threads);
  }
  // The database was closed: it opens, and holds what it held.
  auto db = decision_db::open(dir.file("fraud.db"));
  EXPECT_TRUE(db) << to_string(db.error());
}

TEST_F(failed_start, after_the_embedded_server_leaves_no_child_process) {
  test::temp_dir dir;
  auto threads = threads_of_this_process();
  auto children = children_of_this_process();
  auto cfg = config_in(dir);
  cfg.subjects = {"fraud.tx. bad subject"};  // refused by NATS at subscribe
  scoring_service s{cfg};
  auto err = s.start();
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), ec::nats_error) << to_string(err);
  EXPECT_EQ(children_of_this_process(), children)
    << "the embedded nats-server outlived the failed start";
  EXPECT_EQ(threads_of_this_process(), threads);
}

} // namespace
} // namespace fraud::service
