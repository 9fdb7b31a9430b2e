// A decision sink for actor tests: keeps what card actors deliver, in the
// order they deliver it, with the reply subject and the delivering thread.
//
// Thread-safe, because on a threaded actor system several workers deliver
// at once: there, wait for count() to reach what was sent (its lock makes
// every delivery before it visible) and read the members after. Under the
// test coordinator everything runs on the test's thread: read them any time.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "actors/decision_sink.hpp"
#include "actors/runtime/store_queue.hpp"

namespace fraud::test {

class recording_sink : public actors::decision_sink {
public:
  /// Returns (and, with a queue, queues for the store) the stored form
  /// of the decision: "tx_id:action:score".
  std::string_view deliver(const models::decision& d,
                           const actors::score_request& request) override {
    thread_local std::string stored;
    stored = d.tx_id + ":" + models::to_string(d.action) + ":"
             + std::to_string(d.score);
    if (queue != nullptr)
      queue->push(stored);
    std::lock_guard<std::mutex> guard{mtx_};
    decisions.push_back(d);
    reply_subjects.push_back(request.reply_to);
    threads.push_back(std::this_thread::get_id());
    return stored;
  }

  void refuse(const fraud::error& why,
              const actors::score_request& request) override {
    std::lock_guard<std::mutex> guard{mtx_};
    refusals.push_back(request.tx.tx_id + ": " + why.what());
    reply_subjects.push_back(request.reply_to);
  }

  void deliver_duplicate(std::string_view first_decision,
                         const actors::score_request& request) override {
    std::lock_guard<std::mutex> guard{mtx_};
    duplicates.emplace_back(first_decision);
    reply_subjects.push_back(request.reply_to);
  }

  /// How many decisions were delivered so far (not counting duplicates).
  std::size_t count() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return decisions.size();
  }

  /// The decision made for `tx_id`; a test failure and an empty decision
  /// when there is none.
  const models::decision& decision_for(const std::string& tx_id) const {
    for (auto& d : decisions)
      if (d.tx_id == tx_id)
        return d;
    ADD_FAILURE() << "no decision for " << tx_id;
    static const models::decision none;
    return none;
  }

  std::vector<models::decision> decisions;
  std::vector<std::thread::id> threads;      // one per decision
  std::vector<std::string> duplicates;       // the first decision, as stored
  std::vector<std::string> reply_subjects;   // decisions, duplicates, refusals
  std::vector<std::string> refusals;         // "tx_id: why"
  actors::store_queue* queue = nullptr;      // where deliver() queues, if set

private:
  mutable std::mutex mtx_;
};

/// True if `rule` is among the reasons of `d`.
inline bool fired(const models::decision& d, const std::string& rule) {
  for (auto& r : d.reasons)
    if (r.rule == rule)
      return true;
  return false;
}

} // namespace fraud::test
