#include "simulator/request_retries.hpp"

#include <algorithm>
#include <chrono>

#include "service/client/clock.hpp"

namespace fraud::simulator {

namespace {

// How often the thread looks for first attempts past their timeout when
// nothing else wakes it: a fraction of any sensible attempt timeout.
constexpr std::int64_t poll_ns = 2'000'000;

} // namespace

request_retries::request_retries(answer_collector& answers,
                                 const retry_policy& policy,
                                 std::int64_t attempt_timeout_ns,
                                 std::size_t transactions, resend_fn resend)
  : answers_(answers),
    policy_(policy),
    timeout_ns_(attempt_timeout_ns),
    resend_(std::move(resend)),
    latest_(transactions, 0) {
  thread_ = std::thread{[this] { run(); }};
}

request_retries::~request_retries() {
  stop();
}

void request_retries::stop() {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void request_retries::on_no_responders(std::size_t i, std::uint32_t attempt,
                                       std::int64_t now) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    inbox_.push_back({i, attempt, now});
  }
  wake_.notify_one();
}

void request_retries::run() {
  std::vector<failure> failures;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock{mutex_};
      auto until = service::steady_ns() + poll_ns;
      if (!tasks_.empty())
        until = std::min(until, tasks_.top().at_ns);
      wake_.wait_until(lock,
                       std::chrono::steady_clock::time_point{
                         std::chrono::nanoseconds{until}},
                       [&] { return stop_ || !inbox_.empty(); });
      if (stop_)
        return;
      failures.swap(inbox_);
    }
    auto now = service::steady_ns();
    for (auto& f : failures)
      failed(f.i, f.attempt, f.at_ns);
    failures.clear();
    check_first_attempts(now);
    run_due_tasks(now);
  }
}

void request_retries::failed(std::size_t i, std::uint32_t attempt,
                             std::int64_t now) {
  // Only the latest attempt's failure counts: an older one's was handled.
  if (i >= latest_.size() || latest_[i] != attempt || !answers_.pending(i))
    return;
  ++latest_[i];
  auto at = now + policy_.backoff(latest_[i]);
  // Out of budget: no more attempts; it is lost unless an answer to an
  // earlier one still comes.
  if (policy_.may_resend(answers_.due(i), at))
    tasks_.push({at, i, latest_[i], true});
}

void request_retries::check_first_attempts(std::int64_t now) {
  // First attempts were due in order, so the unchecked ones past their
  // timeout are a prefix of those sent.
  auto sent = sent_.load(std::memory_order_acquire);
  for (; checked_ < sent && answers_.due(checked_) + timeout_ns_ <= now;
       ++checked_) {
    if (latest_[checked_] == 0 && answers_.pending(checked_)) {
      answers_.on_timeout(checked_, answers_.due(checked_), now);
      failed(checked_, 0, now);
    }
  }
}

void request_retries::run_due_tasks(std::int64_t now) {
  while (!tasks_.empty() && tasks_.top().at_ns <= now) {
    auto t = tasks_.top();
    tasks_.pop();
    if (latest_[t.i] != t.attempt || !answers_.pending(t.i))
      continue;
    if (t.resend) {
      // marked first, so that an answer racing the re-send counts as
      // answered after retry
      answers_.on_resent(t.i, now);
      resend_(t.i, t.attempt);
      tasks_.push({now + timeout_ns_, t.i, t.attempt, false});
    } else {
      answers_.on_timeout(t.i, t.at_ns - timeout_ns_, now);
      failed(t.i, t.attempt, now);
    }
  }
}

} // namespace fraud::simulator
