// What happened in each second of a replay: transactions due, answered
// (and of those, answered only after a re-send), "no responders" answers,
// attempt timeouts, re-sends, and transactions lost (by the second they
// were due). The report prints it as a table; a failover shows as seconds
// of no responders and re-sends, then answers after retry.
//
// Thread-safety: add() from any thread; seconds() once the adding is over.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace fraud::simulator {

struct second_counts {
  std::uint64_t sent = 0;           // first attempts due in this second
  std::uint64_t answered = 0;       // transactions answered in this second
  std::uint64_t after_retry = 0;    // of those, answered after a re-send
  std::uint64_t no_responders = 0;  // "no responders" answers received
  std::uint64_t timeouts = 0;       // attempts unanswered within the timeout
  std::uint64_t retries = 0;        // re-sends
  std::uint64_t lost = 0;           // due in this second, never answered

  bool operator==(const second_counts& o) const {
    return sent == o.sent && answered == o.answered
           && after_retry == o.after_retry && no_responders == o.no_responders
           && timeouts == o.timeouts && retries == o.retries && lost == o.lost;
  }
};

enum class timeline_event : std::uint8_t {
  sent,
  answered,
  after_retry,
  no_responder,
  timeout,
  retry,
  lost,
};

class timeline_recorder {
public:
  /// Seconds counted from `start_ns` (steady clock); an event before the
  /// start counts in second 0, one past `seconds` in the last second.
  timeline_recorder(std::int64_t start_ns, std::size_t seconds);

  void add(timeline_event e, std::int64_t at_ns);

  /// Every second up to the last with anything in it.
  std::vector<second_counts> seconds() const;

  std::int64_t start_ns() const { return start_ns_; }

private:
  static constexpr std::size_t kinds = 7;

  std::int64_t start_ns_;
  std::size_t seconds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // seconds x kinds
};

} // namespace fraud::simulator
