// The hand-off from card actors to the decision store: a bounded,
// multi-producer single-consumer queue of encoded decisions.
//
// push() is wait-free (one allocation and one atomic exchange, no lock, no
// wake-up of anyone), so storing a decision costs the scoring path well
// under a microsecond. The single consumer, the store actor, polls it on
// its own schedule. When `capacity` payloads, or `max_bytes` bytes of
// them (each counted with its node's header), are waiting, push() refuses
// and the caller counts the loss. The service refuses new transactions
// (OVERLOADED) before that, at a lower bound of its own (bytes() against
// --store-queue-mb): a writer that falls behind costs neither scoring
// latency nor unbounded memory, and decisions are not lost.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string_view>

namespace fraud::actors {

class store_queue {
public:
  struct node {
    std::atomic<node*> next{nullptr};
    std::uint32_t size = 0;

    std::string_view payload() const {
      return {reinterpret_cast<const char*>(this + 1), size};
    }
  };

  explicit store_queue(
    std::size_t capacity,
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max())
    : capacity_(capacity), max_bytes_(max_bytes) {
    head_.store(&stub_);
    tail_ = &stub_;
  }

  ~store_queue() {
    while (auto* n = pop())
      release(n);
  }

  store_queue(const store_queue&) = delete;
  store_queue& operator=(const store_queue&) = delete;

  /// Copies `payload` in. Thread-safe. False when the queue is full.
  bool push(std::string_view payload) {
    auto cost = sizeof(node) + payload.size();
    if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
      size_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    if (bytes_.fetch_add(cost, std::memory_order_relaxed) + cost
        > max_bytes_) {
      unreserve(cost);
      return false;
    }
    auto* mem = std::malloc(cost);
    if (mem == nullptr) {
      unreserve(cost);
      return false;
    }
    auto* n = new (mem) node;
    n->size = static_cast<std::uint32_t>(payload.size());
    std::memcpy(reinterpret_cast<char*>(n + 1), payload.data(),
                payload.size());
    auto* prev = head_.exchange(n, std::memory_order_acq_rel);
    prev->next.store(n, std::memory_order_release);
    pushed_.fetch_add(1, std::memory_order_release);
    return true;
  }

  /// The oldest node, or nullptr when empty (or when a producer is halfway
  /// through a push: it shows up on the next call). Consumer thread only;
  /// give the node back with release().
  node* pop() {
    auto* tail = tail_;
    auto* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr)
        return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      unreserve(sizeof(node) + tail->size);
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire))
      return nullptr;
    // tail is the last node: put the stub behind it so it can be taken.
    stub_.next.store(nullptr, std::memory_order_relaxed);
    auto* prev = head_.exchange(&stub_, std::memory_order_acq_rel);
    prev->next.store(&stub_, std::memory_order_release);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      unreserve(sizeof(node) + tail->size);
      return tail;
    }
    return nullptr;
  }

  static void release(node* n) {
    n->~node();
    std::free(n);
  }

  /// Consumer: n popped payloads are written, or given up on for good.
  void settle(std::size_t n) {
    settled_.fetch_add(n, std::memory_order_release);
  }

  /// Payloads pushed and not yet settled: queued, or popped and still
  /// being written. 0 means everything pushed before the call is written
  /// (or counted lost). Thread-safe.
  std::size_t unsettled() const {
    auto settled = settled_.load(std::memory_order_acquire);
    return pushed_.load(std::memory_order_acquire) - settled;
  }

  /// Decisions waiting to be written (approximate while pushes race).
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return capacity_; }
  /// Bytes of the payloads waiting, with their nodes' headers
  /// (approximate while pushes race).
  std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  std::size_t max_bytes() const { return max_bytes_; }

private:
  void unreserve(std::size_t cost) {
    size_.fetch_sub(1, std::memory_order_relaxed);
    bytes_.fetch_sub(cost, std::memory_order_relaxed);
  }

  alignas(64) std::atomic<node*> head_;
  alignas(64) node* tail_;
  node stub_;
  alignas(64) std::atomic<std::size_t> size_{0};
  std::atomic<std::size_t> bytes_{0};
  std::atomic<std::size_t> pushed_{0};
  alignas(64) std::atomic<std::size_t> settled_{0};
  std::size_t capacity_;
  std::size_t max_bytes_;
};

} // namespace fraud::actors
