// Where the answers of a replay land: one slot per transaction. The sender
// records when each transaction was meant to go out; nats.c callback
// threads record the answers; after close() and the subscriptions'
// drain, summarize() counts every transaction exactly once as decided,
// rejected or lost.
//
// Thread-safety: sent() from the sending thread, on_*() from nats.c
// callback threads (at most one thread calls on_reply/on_decision: rule
// names are interned there), answered() from anywhere; summarize() once
// every callback has returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "simulator/detection.hpp"
#include "simulator/replay_set.hpp"
#include "simulator/report.hpp"

namespace fraud::simulator {

class answer_collector {
public:
  /// `by_tx_id`: index answers by their tx_id (publish mode) as well as by
  /// position (request mode).
  answer_collector(const replay_set& txs, std::int64_t timeout_ns,
                   bool by_tx_id);

  /// Transaction i was meant to be sent at `intended_ns` (steady clock).
  void sent(std::size_t i, std::int64_t intended_ns) {
    intended_[i].store(intended_ns, std::memory_order_release);
  }

  /// The reply to transaction i (request mode).
  void on_reply(std::size_t i, const void* data, int size, std::int64_t now);
  /// A publication on fraud.decisions.> (publish mode).
  void on_decision(const void* data, int size, std::int64_t now);
  /// A publication on fraud.rejected (publish mode).
  void on_rejection(const void* data, int size, std::int64_t now);
  /// nats-server's "no responders" answer to a request: not a decision.
  void on_no_responders() {
    no_responders_.fetch_add(1, std::memory_order_relaxed);
  }

  /// Answers counted so far (decided or rejected, in time).
  std::uint64_t answered() const {
    return answered_.load(std::memory_order_relaxed);
  }
  /// Of those, the rejected ones.
  std::uint64_t rejected() const {
    return rejected_.load(std::memory_order_relaxed);
  }

  /// From now on answers are ignored: what has not arrived is lost.
  void close() { closed_.store(true); }

  /// Latest time an answer was recorded (steady clock ns).
  std::int64_t last_answer_ns() const { return last_answer_.load(); }

  /// Counts every sent transaction once, and scores the decided ones
  /// against their labels. Call once, after every callback returned.
  void summarize(replay_figures& out, detection_summary& detection);

private:
  // what became of a transaction's slot
  enum slot : std::uint8_t {
    slot_pending = 0,
    slot_decided = 1,
    slot_rejected = 2,
    slot_late = 3,
  };

  void record(std::size_t i, bool is_rejected, models::action action,
              std::int64_t service_ns, std::uint32_t rules, std::int64_t now);
  void record(std::size_t i, const protocol::decision_outcome& d,
              std::int64_t now);
  static bool decode(const void* data, int size, protocol::decision_outcome& d);
  bool index_of(std::string_view tx_id, std::size_t& i) const;

  const replay_set& txs_;
  std::int64_t timeout_ns_;
  std::unique_ptr<std::atomic<std::int64_t>[]> intended_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> state_;
  std::vector<std::int64_t> latency_ns_;
  std::vector<std::int64_t> service_ns_;
  std::vector<models::action> action_;
  std::vector<std::uint32_t> rules_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
  detection_tally tally_;  // interns rule names into bits, then tallies
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> unknown_{0};
  std::atomic<std::uint64_t> no_responders_{0};
  std::atomic<std::int64_t> last_answer_{0};
};

} // namespace fraud::simulator
