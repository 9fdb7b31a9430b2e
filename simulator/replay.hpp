// fraud-sim replay: sends a dataset's transactions to fraud.tx.<card_id> in
// event-time order on an open-loop schedule (transaction i is due at
// start + i / rate, whatever the service does), collects every answer, and
// measures latency from the due time, so that a service that stalls cannot
// hide its delay by slowing the sender down.
//
// request mode: each transaction carries a reply subject (one wildcard
// inbox subscription, asynchronous publishes); the reply is the decision.
// A request answered "no responders" or not answered within timeout_ms is
// sent again, the same transaction with the same tx_id, by a thread of its
// own (request_retries.hpp, retry_policy.hpp), for up to retry_for_ms
// after it was due: a planned handover or a failover costs re-sends, not
// transactions, and fraudd answers a tx_id it has seen with its first
// decision (flagged duplicate), so nothing is decided twice.
// publish mode: plain publishes; decisions are collected from
// fraud.decisions.> and rejections from fraud.rejected, matched by tx_id.
#pragma once

#include <string>

#include "service/client/nats_credentials.hpp"

#include "simulator/detection.hpp"
#include "simulator/replay_set.hpp"
#include "simulator/report.hpp"

namespace fraud::simulator {

struct replay_options {
  // "" = the local fraudd's server, with its authoriser (and, to collect
  // publications, viewer) key; else nats://127.0.0.1:4222.
  std::string nats_url;
  service::nats_credentials auth;  // resolve()d
  double rate_tps = 1000;  // 0: as fast as possible
  bool request_mode = true;
  // An attempt unanswered this long after it was sent is re-sent (request
  // mode, within retry_for_ms) or lost.
  int timeout_ms = 5000;
  // Request mode: re-send for this long after the due time (0: never);
  // the wait before the n-th re-send doubles from retry_backoff_ms up to
  // retry_max_backoff_ms. The last chance to be answered is due time +
  // retry_for_ms + timeout_ms.
  int retry_for_ms = 10'000;
  int retry_backoff_ms = 5;
  int retry_max_backoff_ms = 100;
  bool send_asap = true;   // flush every publish (else nats.c batches)
  bool progress = false;   // the progress line on stderr
};

/// False with `error` set when NATS cannot be used; counts and detection
/// otherwise, however the service behaved.
bool replay(const replay_set& txs, const replay_options& opts,
            replay_figures& figures, detection_summary& detection,
            std::string& error);

} // namespace fraud::simulator
