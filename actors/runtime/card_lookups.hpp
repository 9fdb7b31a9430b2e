// Lookups of active cards by threads that do not own the card directory
// (the query responder's): asked on any thread, answered by the owner
// between transactions, so that a query never holds a lock routing needs.
//
// Thread-safe. The owner never blocks on an asker: ask() pushes a question
// onto an intrusive stack with one compare-and-swap; the owner checks
// waiting() (one relaxed load) between transactions and, when something
// waits, takes the whole stack with one exchange and answers each question.
// close() tells askers that no answer will come: the owner stopped for good.
#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>

#include "actors/messages.hpp"

namespace fraud::actors {

class card_lookups {
public:
  card_lookups() = default;
  /// Answers whatever still waits "not active".
  ~card_lookups();

  card_lookups(const card_lookups&) = delete;
  card_lookups& operator=(const card_lookups&) = delete;

  /// Any thread: the card's actor if the owner has it active; nullopt if
  /// not, after close(), or if the owner did not answer within `wait`.
  std::optional<card_actor> ask(const std::string& card_id,
                                std::chrono::milliseconds wait);

  /// Any thread: whether a question waits for the owner.
  bool waiting() const {
    auto* head = head_.load(std::memory_order_relaxed);
    return head != nullptr && head != closed();
  }

  /// Owner thread: answers every waiting question with find(card_id).
  template <class Find>
  void answer(Find&& find) {
    answer_each(take_all(), find);
  }

  /// Any thread, once the owner stopped answering for good: what waits and
  /// every later ask() is answered "not active" at once.
  void close();

private:
  struct node {
    node* next = nullptr;
  };
  struct question : node {
    std::string card_id;
    std::promise<std::optional<card_actor>> answer;
  };

  // The head after close(): never a question.
  static node* closed();
  question* take_all();

  // Answers and frees the questions of a list taken off the stack.
  template <class Find>
  static void answer_each(node* list, Find& find) {
    while (list != nullptr) {
      auto* q = static_cast<question*>(list);
      list = q->next;
      q->answer.set_value(find(q->card_id));
      delete q;
    }
  }

  // The questions not yet taken by the owner, newest first; closed() once
  // the owner has stopped.
  std::atomic<node*> head_{nullptr};
};

} // namespace fraud::actors
