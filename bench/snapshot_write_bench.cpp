// The card snapshot writer's SQLite cost in its steady state, without the
// rest of fraudd: every card written once first, then each interval
// `--changed` distinct cards out of `--cards` written as one batch (what
// the snapshot writer does each second) through service::snapshot_db, for
// `--intervals` intervals, on a real file in TMPDIR. Reports the writing
// thread's CPU and the wall time a snapshot.
//
//   snapshot_write_bench [--cards N] [--changed K] [--intervals I]
//                        [--bytes B]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "service/snapshot_db.hpp"
#include "tests/support/fraudd_process.hpp"

namespace {

using namespace fraud;
using rows = std::vector<std::pair<std::string_view, std::string_view>>;

double seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

int main(int argc, char** argv) {
  std::size_t cards = 100'000, changed = 9'500, intervals = 30, bytes = 810;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--cards")
      cards = value;
    else if (flag == "--changed")
      changed = value;
    else if (flag == "--intervals")
      intervals = value;
    else if (flag == "--bytes")
      bytes = value;
    else {
      std::fprintf(stderr, "usage: snapshot_write_bench [--cards N] "
                           "[--changed K] [--intervals I] [--bytes B]\n");
      return 2;
    }
  }
  changed = std::min(changed, cards);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < cards; ++i)
    ids.push_back("card-" + std::to_string(i * 7919 % 1000003));
  std::mt19937_64 rng{18};
  std::string blob(bytes, ' ');
  for (auto& c : blob)
    c = static_cast<char>(rng());
  test::temp_dir dir;
  auto db = service::snapshot_db::open(dir.file("cards.db"));
  if (!db) {
    std::fprintf(stderr, "%s\n", to_string(db.error()).c_str());
    return 1;
  }
  auto write = [&](const rows& r) {
    if (auto err = (*db)->write(r)) {
      std::fprintf(stderr, "%s\n", to_string(err).c_str());
      std::exit(1);
    }
  };
  // Every card once first (a file in its steady state), not measured.
  for (std::size_t at = 0; at < cards; at += 10'000) {
    rows r;
    for (std::size_t i = at; i < std::min(cards, at + 10'000); ++i)
      r.emplace_back(ids[i], blob);
    write(r);
  }
  auto cpu0 = seconds(CLOCK_THREAD_CPUTIME_ID);
  auto wall0 = seconds(CLOCK_MONOTONIC);
  std::size_t total = 0;
  std::unordered_set<std::size_t> picked;
  for (std::size_t n = 0; n < intervals; ++n) {
    // A card's state changes between intervals: SQLite does not rewrite
    // a row given the bytes it already has, which would flatter the
    // in-place upsert.
    std::snprintf(blob.data(), std::min<std::size_t>(blob.size(), 16), "%015zu",
                  n);
    picked.clear();
    while (picked.size() < changed)
      picked.insert(rng() % cards);
    rows r;
    for (auto i : picked)
      r.emplace_back(ids[i], blob);
    write(r);
    total += r.size();
  }
  auto per = [&](double s) { return s * 1e6 / static_cast<double>(total); };
  std::printf("RESULT bench=snapshot_write cards=%zu changed=%zu intervals=%zu "
              "bytes=%zu cpu_us=%.2f wall_us=%.2f\n",
              cards, changed, intervals, bytes,
              per(seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0),
              per(seconds(CLOCK_MONOTONIC) - wall0));
  return 0;
}
