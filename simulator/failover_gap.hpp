// The failover gap as a client sees it: the stretches of time during which
// some transactions got only "no responders" or timeouts. Each troubled
// transaction contributes a span from its first failed attempt (when it was
// answered "no responders", or when it was sent, for an attempt that then
// timed out) to the answer that ended it (or to when it was given up);
// overlapping spans are one episode. A kill -9 under load shows as one episode about as long as
// the lease TTL; a slow answer alone as a short one.
//
// Pure: times are steady-clock nanoseconds.
#pragma once

#include <cstdint>
#include <vector>

namespace fraud::simulator {

struct trouble_span {
  std::int64_t from_ns = 0;  // unanswered since
  std::int64_t to_ns = 0;    // the answer, or when it was given up
  bool answered = true;
};

struct gap_episode {
  std::int64_t from_ns = 0;
  std::int64_t to_ns = 0;
  std::uint64_t transactions = 0;  // troubled transactions in it
  std::uint64_t lost = 0;          // of those, never answered
};

/// Merges overlapping (or touching) spans into episodes, earliest first.
std::vector<gap_episode> gap_episodes(std::vector<trouble_span> spans);

struct failover_gaps {
  std::uint64_t episodes = 0;
  double p50_ms = 0;   // nearest rank over the episodes' lengths
  double max_ms = 0;
  double total_ms = 0;
  // the longest episode, seconds since the start of the run
  double longest_from_s = 0;
  double longest_to_s = 0;
  std::uint64_t longest_transactions = 0;
  std::uint64_t longest_lost = 0;
};

failover_gaps summarize_gaps(const std::vector<gap_episode>& episodes,
                             std::int64_t start_ns);

} // namespace fraud::simulator
