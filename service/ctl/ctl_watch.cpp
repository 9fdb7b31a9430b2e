// fraudctl watch: a live view of decisions and rates. Prints decisions as
// they come (at most 20 lines a second, so that a busy service does not
// flood the terminal) and a line of rates every second.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "protocol/codec.hpp"
#include "protocol/subjects.hpp"
#include "service/ctl/ctl.hpp"
#include "service/ctl/decision_json.hpp"

namespace fraud::ctl {

namespace {

std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted.store(true);
}

struct tally {
  std::uint64_t by_action[3] = {0, 0, 0};
  std::uint64_t rejected = 0;
  std::uint64_t total() const {
    return by_action[0] + by_action[1] + by_action[2];
  }
};

} // namespace

int run_watch(const common_options& c, const watch_options& o) {
  auto conn = connect(c, service::nats_role::viewer);
  if (!conn)
    return failure;
  natsSubscription* decisions = nullptr;
  natsSubscription* rejections = nullptr;
  auto subject = protocol::subjects::decisions_prefix + o.filter;
  if (natsConnection_SubscribeSync(&decisions, conn->get(), subject.c_str())
        != NATS_OK
      || natsConnection_SubscribeSync(&rejections, conn->get(),
                                      protocol::subjects::rejected)
           != NATS_OK) {
    std::fprintf(stderr, "fraudctl: cannot subscribe to %s\n",
                 subject.c_str());
    natsSubscription_Destroy(decisions);
    return failure;
  }
  natsSubscription_SetPendingLimits(decisions, 1'000'000, 256 << 20);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto second = start;
  tally now_tally, total;
  int lines_this_second = 0;
  if (!c.json)
    std::fprintf(stderr, "watching %s and fraud.rejected (Ctrl-C stops)\n",
                 subject.c_str());
  while (!interrupted.load()) {
    natsMsg* msg = nullptr;
    if (natsSubscription_NextMsg(&msg, decisions, 50) == NATS_OK) {
      models::decision d;
      protocol::decision_envelope env;
      if (protocol::decode_decision(natsMsg_GetData(msg),
                                    natsMsg_GetDataLength(msg), d, env).ok()) {
        ++now_tally.by_action[static_cast<int>(d.action)];
        ++total.by_action[static_cast<int>(d.action)];
        if (c.json) {
          std::printf("%s\n", service::to_json(d, env).dump().c_str());
        } else if (lines_this_second++ < 20) {
          std::string rules;
          for (auto& r : d.reasons)
            rules += (rules.empty() ? "" : ",") + r.rule;
          std::printf("%s  %-7s %3d  %-16s %-20s %14s  %s\n",
                      format_time(env.decided_at_ms).c_str() + 11,
                      models::to_string(d.action), d.score,
                      d.card_id.c_str(), d.tx_id.c_str(),
                      format_amount(d.amount_minor, d.currency).c_str(),
                      rules.c_str());
        }
      }
      natsMsg_Destroy(msg);
    }
    while (natsSubscription_NextMsg(&msg, rejections, 0) == NATS_OK) {
      ++now_tally.rejected;
      ++total.rejected;
      natsMsg_Destroy(msg);
    }
    auto t = clock::now();
    if (t - second >= std::chrono::seconds(1)) {
      if (!c.json)
        std::printf("-- %.0f/s: approve %llu, review %llu, decline %llu, "
                    "rejected %llu\n",
                    static_cast<double>(now_tally.total())
                      / std::chrono::duration<double>(t - second).count(),
                    (unsigned long long)now_tally.by_action[0],
                    (unsigned long long)now_tally.by_action[1],
                    (unsigned long long)now_tally.by_action[2],
                    (unsigned long long)now_tally.rejected);
      std::fflush(stdout);
      now_tally = tally{};
      lines_this_second = 0;
      second = t;
    }
    if (o.count > 0 && total.total() >= o.count)
      break;
    if (o.seconds > 0 && t - start >= std::chrono::seconds(o.seconds))
      break;
  }
  if (!c.json)
    std::printf("-- total: approve %llu, review %llu, decline %llu, "
                "rejected %llu\n",
                (unsigned long long)total.by_action[0],
                (unsigned long long)total.by_action[1],
                (unsigned long long)total.by_action[2],
                (unsigned long long)total.rejected);
  service::end_subscription(conn->get(), rejections);
  service::end_subscription(conn->get(), decisions);
  return ok;
}

} // namespace fraud::ctl
