#include "simulator/run_timeline.hpp"

#include <algorithm>

namespace fraud::simulator {

timeline_recorder::timeline_recorder(std::int64_t start_ns,
                                     std::size_t seconds)
  : start_ns_(start_ns),
    seconds_(std::max<std::size_t>(seconds, 1)),
    counts_(new std::atomic<std::uint64_t>[seconds_ * kinds]) {
  for (std::size_t i = 0; i < seconds_ * kinds; ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void timeline_recorder::add(timeline_event e, std::int64_t at_ns) {
  auto since = at_ns - start_ns_;
  std::size_t second =
    since <= 0 ? 0
               : std::min<std::size_t>(
                   static_cast<std::size_t>(since / 1'000'000'000),
                   seconds_ - 1);
  counts_[second * kinds + static_cast<std::size_t>(e)].fetch_add(
    1, std::memory_order_relaxed);
}

std::vector<second_counts> timeline_recorder::seconds() const {
  std::vector<second_counts> out(seconds_);
  std::size_t used = 0;
  for (std::size_t s = 0; s < seconds_; ++s) {
    auto at = [&](timeline_event e) {
      return counts_[s * kinds + static_cast<std::size_t>(e)].load(
        std::memory_order_relaxed);
    };
    auto& c = out[s];
    c.sent = at(timeline_event::sent);
    c.answered = at(timeline_event::answered);
    c.after_retry = at(timeline_event::after_retry);
    c.no_responders = at(timeline_event::no_responder);
    c.timeouts = at(timeline_event::timeout);
    c.retries = at(timeline_event::retry);
    c.lost = at(timeline_event::lost);
    if (!(c == second_counts{}))
      used = s + 1;
  }
  out.resize(used);
  return out;
}

} // namespace fraud::simulator
