#include "simulator/failover_gap.hpp"

#include <algorithm>
#include <cmath>

namespace fraud::simulator {

std::vector<gap_episode> gap_episodes(std::vector<trouble_span> spans) {
  std::sort(spans.begin(), spans.end(),
            [](const trouble_span& a, const trouble_span& b) {
              return a.from_ns < b.from_ns;
            });
  std::vector<gap_episode> out;
  for (auto& s : spans) {
    auto to = std::max(s.to_ns, s.from_ns);
    if (out.empty() || s.from_ns > out.back().to_ns)
      out.push_back({s.from_ns, to, 0, 0});
    auto& e = out.back();
    e.to_ns = std::max(e.to_ns, to);
    ++e.transactions;
    if (!s.answered)
      ++e.lost;
  }
  return out;
}

failover_gaps summarize_gaps(const std::vector<gap_episode>& episodes,
                             std::int64_t start_ns) {
  failover_gaps g;
  g.episodes = episodes.size();
  if (episodes.empty())
    return g;
  std::vector<std::int64_t> lengths;
  lengths.reserve(episodes.size());
  const gap_episode* longest = &episodes.front();
  for (auto& e : episodes) {
    lengths.push_back(e.to_ns - e.from_ns);
    if (e.to_ns - e.from_ns > longest->to_ns - longest->from_ns)
      longest = &e;
  }
  std::int64_t total = 0;
  for (auto l : lengths)
    total += l;
  std::sort(lengths.begin(), lengths.end());
  auto rank = static_cast<std::size_t>(std::ceil(0.5 * lengths.size()));
  g.p50_ms = static_cast<double>(lengths[std::max<std::size_t>(rank, 1) - 1]) / 1e6;
  g.max_ms = static_cast<double>(lengths.back()) / 1e6;
  g.total_ms = static_cast<double>(total) / 1e6;
  g.longest_from_s = static_cast<double>(longest->from_ns - start_ns) / 1e9;
  g.longest_to_s = static_cast<double>(longest->to_ns - start_ns) / 1e9;
  g.longest_transactions = longest->transactions;
  g.longest_lost = longest->lost;
  return g;
}

} // namespace fraud::simulator
