#include "actors/runtime/card_lookups.hpp"

namespace fraud::actors {

card_lookups::~card_lookups() {
  close();
}

card_lookups::node* card_lookups::closed() {
  static node marker;
  return &marker;
}

std::optional<card_actor> card_lookups::ask(const std::string& card_id,
                                            std::chrono::milliseconds wait) {
  auto* q = new question;
  q->card_id = card_id;
  auto answer = q->answer.get_future();
  auto* head = head_.load(std::memory_order_relaxed);
  do {
    if (head == closed()) {
      delete q;
      return std::nullopt;
    }
    q->next = head;
  } while (!head_.compare_exchange_weak(head, q, std::memory_order_release,
                                        std::memory_order_relaxed));
  // From here the question belongs to the owner (or to close()): an answer
  // that comes after `wait` goes to a promise no one reads, harmlessly.
  if (answer.wait_for(wait) != std::future_status::ready)
    return std::nullopt;
  return answer.get();
}

card_lookups::question* card_lookups::take_all() {
  auto* head = head_.load(std::memory_order_relaxed);
  do {
    if (head == nullptr || head == closed())
      return nullptr;
  } while (!head_.compare_exchange_weak(head, nullptr,
                                        std::memory_order_acquire,
                                        std::memory_order_relaxed));
  return static_cast<question*>(head);
}

void card_lookups::close() {
  auto* head = head_.exchange(closed(), std::memory_order_acquire);
  if (head == closed())
    return;
  auto not_active = [](const std::string&) -> std::optional<card_actor> {
    return std::nullopt;
  };
  answer_each(head, not_active);
}

} // namespace fraud::actors
