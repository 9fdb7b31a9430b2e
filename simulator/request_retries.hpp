// The re-sending side of fraud-sim replay (request mode): a thread of its
// own, so that re-sends never delay the open-loop schedule of first
// attempts, which the sending thread keeps alone.
//
// An attempt fails when nats-server answers it "no responders" (reported
// by the reply callback) or when no answer comes within the attempt
// timeout (this thread checks: first attempts in the order they were due,
// re-sends from its own queue). A failed attempt that is the latest one of
// a transaction still waiting schedules the next attempt after
// retry_policy::backoff(); an older attempt's failure changes nothing.
// Every attempt of transaction i carries the reply subject <inbox>.<i>.<n>
// (n = 0 for the first), so a failure is known to be the latest or not.
//
// Thread-safety: first_attempts_sent() from the sending thread,
// on_no_responders() from any thread; the rest is this object's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "simulator/answer_collector.hpp"
#include "simulator/retry_policy.hpp"

namespace fraud::simulator {

class request_retries {
public:
  /// Publishes attempt `attempt` (1 for the first re-send) of transaction i.
  using resend_fn = std::function<void(std::size_t i, std::uint32_t attempt)>;

  /// Starts the thread.
  request_retries(answer_collector& answers, const retry_policy& policy,
                  std::int64_t attempt_timeout_ns, std::size_t transactions,
                  resend_fn resend);
  /// stop()s.
  ~request_retries();

  request_retries(const request_retries&) = delete;
  request_retries& operator=(const request_retries&) = delete;

  /// The first attempts of transactions [0, n) are out.
  void first_attempts_sent(std::size_t n) {
    sent_.store(n, std::memory_order_release);
  }

  /// Attempt `attempt` of transaction i was answered "no responders".
  void on_no_responders(std::size_t i, std::uint32_t attempt,
                        std::int64_t now);

  /// No more re-sends; joins the thread.
  void stop();

private:
  struct failure {
    std::size_t i;
    std::uint32_t attempt;
    std::int64_t at_ns;
  };
  // A re-send to make, or a re-send's answer to check for, at `at_ns`.
  struct task {
    std::int64_t at_ns;
    std::size_t i;
    std::uint32_t attempt;
    bool resend;  // else: the timeout check of that attempt
    bool operator>(const task& o) const { return at_ns > o.at_ns; }
  };

  void run();
  void failed(std::size_t i, std::uint32_t attempt, std::int64_t now);
  void check_first_attempts(std::int64_t now);
  void run_due_tasks(std::int64_t now);

  answer_collector& answers_;
  retry_policy policy_;
  std::int64_t timeout_ns_;
  resend_fn resend_;
  std::atomic<std::size_t> sent_{0};

  // This object's thread only.
  std::vector<std::uint32_t> latest_;  // each transaction's latest attempt
  std::size_t checked_ = 0;            // first attempts checked for timeout
  std::priority_queue<task, std::vector<task>, std::greater<task>> tasks_;

  std::mutex mutex_;  // guards inbox_ and stop_
  std::condition_variable wake_;
  std::vector<failure> inbox_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace fraud::simulator
