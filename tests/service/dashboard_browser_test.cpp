// The dashboard in a real headless browser after a replay (ctest label
// "browser"): a real nats-server, fraudd with --metrics-port, fraud-sim
// replaying a small generated population, then Debian's chromium driven by
// playwright-core (dashboard_browser_test.cjs) checks what the page shows,
// clicks a decline and a review (its case), and writes dashboard.png,
// dashboard-decision.png and dashboard-case.png into the build directory.
#include <gtest/gtest.h>

#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;

TEST(dashboard_browser, shows_rates_latest_declines_and_a_clicked_decision) {
  test::temp_dir dir;
  auto nats = test::start_nats(dir.path());
  ASSERT_TRUE(nats);
  auto port = service::free_loopback_port();
  test::fraudd_process fraudd;
  ASSERT_TRUE(fraudd.start({"--nats", nats->url(), "--db", dir.file("fraud.db"),
                            "--metrics-port", std::to_string(port)}))
    << fraudd.output();

  // About 8,000 transactions over five seconds, fraud among them.
  std::string out;
  auto rc = test::run_command(
    std::string{FRAUD_SIM_BINARY} + " run --cards 1500 --days 4 --seed 11 "
      + "--rate 1500 --nats " + nats->url() + " --out " + dir.file("data.bin")
      + " 2>&1",
    out);
  ASSERT_EQ(rc, 0) << out;

  rc = test::run_command(
    "NODE_PATH=" FRAUD_WEB_MODULES " node " FRAUD_SOURCE_DIR
    "/tests/service/dashboard_browser_test.cjs http://127.0.0.1:"
      + std::to_string(port) + "/ " FRAUD_SCREENSHOT_DIR " 2>&1",
    out);
  std::cout << out;
  EXPECT_EQ(rc, 0) << out << "\nfraudd:\n" << fraudd.output();
}

} // namespace
