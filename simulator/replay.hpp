// fraud-sim replay: sends a dataset's transactions to fraud.tx.<card_id> in
// event-time order on an open-loop schedule (transaction i is due at
// start + i / rate, whatever the service does), collects every answer, and
// measures latency from the due time, so that a service that stalls cannot
// hide its delay by slowing the sender down.
//
// request mode: each transaction carries a reply subject (one wildcard
// inbox subscription, asynchronous publishes); the reply is the decision.
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
  int timeout_ms = 5000;   // an answer later than this after its due time is lost
  bool send_asap = true;   // flush every publish (else nats.c batches)
  bool progress = false;   // the progress line on stderr
};

/// False with `error` set when NATS cannot be used; counts and detection
/// otherwise, however the service behaved.
bool replay(const replay_set& txs, const replay_options& opts,
            replay_figures& figures, detection_summary& detection,
            std::string& error);

} // namespace fraud::simulator
