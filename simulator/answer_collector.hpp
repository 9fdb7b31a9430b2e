// Where the answers of a replay land: one slot per transaction. The sender
// records when each transaction was meant to go out; nats.c callback
// threads record the answers; the re-sending thread (request_retries)
// records failed attempts and re-sends; after close() and the
// subscriptions' drain, summarize() counts every transaction exactly once
// as decided, rejected or lost, however many answers it got: a re-sent
// transaction's second answer (fraudd's first decision again, flagged
// duplicate) is counted as a duplicate answer, never as a second decision.
//
// Thread-safety: sent() from the sending thread, on_reply()/on_decision()
// from one nats.c callback thread (rule names are interned there), the
// other on_*() and answered()/pending() from anywhere; summarize() once
// every callback has returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "simulator/detection.hpp"
#include "simulator/replay_set.hpp"
#include "simulator/report.hpp"
#include "simulator/run_timeline.hpp"

namespace fraud::simulator {

class answer_collector {
public:
  /// An answer later than `deadline_ns` after its transaction's due time
  /// is late: the transaction counts as lost. `by_tx_id`: index answers by
  /// their tx_id (publish mode) as well as by position (request mode).
  answer_collector(const replay_set& txs, std::int64_t deadline_ns,
                   bool by_tx_id);

  /// The run starts at `start_ns`; its timeline has room for `seconds`
  /// (later events count in the last one). Call before the first sent().
  void begin(std::int64_t start_ns, std::size_t seconds);

  /// Transaction i was meant to be sent at `intended_ns` (steady clock).
  void sent(std::size_t i, std::int64_t intended_ns) {
    intended_[i].store(intended_ns, std::memory_order_release);
    timeline_->add(timeline_event::sent, intended_ns);
  }

  /// The reply to transaction i (request mode).
  void on_reply(std::size_t i, const void* data, int size, std::int64_t now);
  /// A publication on fraud.decisions.> (publish mode).
  void on_decision(const void* data, int size, std::int64_t now);
  /// A publication on fraud.rejected (publish mode).
  void on_rejection(const void* data, int size, std::int64_t now);
  /// nats-server's "no responders" answer to a request for transaction i
  /// (SIZE_MAX when the reply subject named none): not a decision.
  void on_no_responders(std::size_t i, std::int64_t now);
  /// The attempt for transaction i sent at `attempt_ns` got no answer
  /// within the attempt timeout: it has been unanswered since then.
  void on_timeout(std::size_t i, std::int64_t attempt_ns, std::int64_t now);
  /// Transaction i was sent again.
  void on_resent(std::size_t i, std::int64_t now);

  /// Whether transaction i still waits for its answer.
  bool pending(std::size_t i) const {
    return kind(state_[i].load(std::memory_order_acquire)) == slot_pending;
  }
  /// When transaction i was due (0 before it was sent).
  std::int64_t due(std::size_t i) const {
    return intended_[i].load(std::memory_order_acquire);
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

  /// Counts every sent transaction once, scores the decided ones against
  /// their labels, and fills the timeline and the failover gaps. Call
  /// once, after every callback returned.
  void summarize(replay_figures& out, detection_summary& detection);

private:
  // A slot's byte: what became of the transaction (2 bits), the action of
  // the answer counted (2 bits), and whether a fresh decision (neither
  // rejected nor flagged duplicate) was seen, so that the service deciding
  // one tx_id twice is noticed.
  enum slot : std::uint8_t {
    slot_pending = 0,
    slot_decided = 1,
    slot_rejected = 2,
    slot_late = 3,
  };
  static constexpr std::uint8_t fresh_bit = 0x80;
  static std::uint8_t kind(std::uint8_t s) { return s & 3; }
  static std::uint8_t action_of(std::uint8_t s) { return (s >> 2) & 3; }

  struct answer {
    bool rejected = false;
    bool duplicate = false;
    models::action action = models::action::approve;
    std::int64_t service_ns = 0;
    std::uint32_t rules = 0;
  };

  void record(std::size_t i, const answer& a, std::int64_t now);
  void record(std::size_t i, const protocol::decision_outcome& d,
              std::int64_t now);
  // Transaction i has been without an answer since `since_ns`.
  void attempt_failed(std::size_t i, std::int64_t since_ns);
  static bool decode(const void* data, int size, protocol::decision_outcome& d);
  bool index_of(std::string_view tx_id, std::size_t& i) const;

  const replay_set& txs_;
  std::int64_t deadline_ns_;
  std::unique_ptr<std::atomic<std::int64_t>[]> intended_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> state_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> resent_;
  std::unique_ptr<std::atomic<std::int64_t>[]> first_failure_;
  std::vector<std::int64_t> latency_ns_;
  std::vector<std::int64_t> service_ns_;
  std::vector<std::uint32_t> rules_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
  std::optional<timeline_recorder> timeline_;
  detection_tally tally_;  // interns rule names into bits, then tallies
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> answered_duplicate_{0};
  std::atomic<std::uint64_t> decided_twice_{0};
  std::atomic<std::uint64_t> conflicting_{0};
  std::atomic<std::uint64_t> unknown_{0};
  std::atomic<std::uint64_t> no_responders_{0};
  std::atomic<std::uint64_t> timeouts_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::int64_t> last_answer_{0};
};

} // namespace fraud::simulator
