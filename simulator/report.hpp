// The report of a replay or a backtest: a table for people, JSON for
// machines (fraud-sim ... --json FILE). The JSON keys are documented in
// README.md, section "Simulator".
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <vector>

#include "simulator/detection.hpp"
#include "simulator/failover_gap.hpp"
#include "simulator/latency_summary.hpp"
#include "simulator/run_timeline.hpp"

namespace fraud::simulator {

struct replay_figures {
  std::string mode;           // "request" or "publish"
  double target_tps = 0;      // 0: as fast as possible (--max)
  std::uint64_t sent = 0;
  std::uint64_t decided = 0;  // a decision without error
  std::uint64_t rejected = 0; // a decision with error set
  std::uint64_t lost = 0;     // no answer in time, re-sends included
  // decided + rejected = answered_first + answered_after_retry
  std::uint64_t answered_first = 0;        // without a re-send
  std::uint64_t answered_after_retry = 0;  // after one or more re-sends
  std::uint64_t duplicates = 0;  // second answers for one transaction
  // the answer counted was flagged duplicate: fraudd's first decision,
  // sent again to a re-send whose first answer went missing
  std::uint64_t answered_duplicate = 0;
  // a second answer that was a fresh decision (not flagged duplicate): the
  // service decided one tx_id twice
  std::uint64_t decided_twice = 0;
  // a second answer with another action than the one counted
  std::uint64_t conflicting = 0;
  std::uint64_t unmatched = 0;   // answers for no transaction of ours
  std::uint64_t no_responders = 0;  // "no responders" answers (attempts)
  std::uint64_t timeouts = 0;    // attempts unanswered within the timeout
  std::uint64_t retries = 0;     // re-sends
  double retry_for_ms = 0;       // the retry budget (0: no re-sends)
  double attempt_timeout_ms = 0;
  std::uint64_t publish_errors = 0;
  std::uint64_t nats_errors = 0;  // asynchronous errors, slow consumer
  std::uint64_t disconnects = 0;  // connections to NATS lost (and retried)
  double seconds = 0;         // first send to last answer
  double send_seconds = 0;    // first send to last send
  double throughput_tps = 0;  // (decided + rejected) / seconds
  latency_summary latency;          // intended send time -> answer read
  latency_summary service_latency;  // service_latency_ns of the decisions
  std::vector<second_counts> timeline;  // second 0 = the first send
  failover_gaps gaps;  // stretches where transactions got no answer
};

struct report {
  std::string dataset;        // file name
  std::uint64_t transactions = 0;
  std::optional<replay_figures> replay;  // absent for a backtest
  detection_summary detection;
};

/// The readable table.
void print_report(std::FILE* out, const report& r);

nlohmann::json to_json(const report& r);

/// Writes to_json(r) to `path`; false with `error` set on failure.
bool write_json(const std::string& path, const report& r, std::string& error);

} // namespace fraud::simulator
