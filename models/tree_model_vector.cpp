// The vectorised tree layout and its evaluator (see models/tree_model.hpp):
// every split of a tree decided at once with AVX-512 byte permutes and
// compares, the walk six bit tests. Built only where the CPU has AVX-512
// VBMI (checked at run time; the rest of the build targets plain x86-64)
// and the model fits: trees at most 6 deep, at most 256 distinct
// thresholds a feature (XGBoost's hist method with its 256 bins), at most
// 64 features (32 when a feature has all 256).
//
// A row's rank bytes (128, two zmm registers, which one byte permute
// indexes) are laid out in tables of `width` bytes, one byte a feature:
//   table 0: the rank, capped at 255; a missing value 255 (goes right)
//   table 1: the rank, capped at 255; a missing value 0 (goes left)
// and, when some feature has 256 thresholds (ranks 0-256, one more than a
// byte holds; width is then 32):
//   table 2: 255 when the value is above all 256; a missing value 255
//   table 3: the same, but a missing value 0.
// A node at rank j < 255 reads table 0 or 1 (as its missing values go),
// and goes right when j < the byte; a node at rank 255 (the feature's
// 256th threshold) reads table 2 or 3 with j taken as 254.
#include "models/tree_model_vector.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FRAUD_TREE_VECTOR 1
#else
#define FRAUD_TREE_VECTOR 0
#endif

namespace fraud::models {

namespace {

constexpr int vector_depth = 6;
constexpr std::uint32_t rank_bytes = 128;    // what one byte permute reads
constexpr std::size_t max_thresholds = 256;  // ranks 0-256
constexpr std::size_t block = 16;            // floats a compare takes
constexpr float nan = std::numeric_limits<float>::quiet_NaN();

// Each feature's distinct thresholds, ascending, over the splits reached
// from the roots; empty when some feature has more than max_thresholds.
std::vector<std::vector<float>> thresholds_by_feature(
  const tree_model_spec& spec) {
  std::vector<std::vector<float>> by(spec.feature_count);
  for (const auto& t : spec.trees) {
    std::vector<std::int32_t> todo{0};
    while (!todo.empty()) {
      auto i = todo.back();
      todo.pop_back();
      if (t.left[i] < 0)
        continue;
      by[t.feature[i]].push_back(t.value[i]);
      todo.push_back(t.left[i]);
      todo.push_back(t.right[i]);
    }
  }
  for (auto& v : by) {
    std::sort(v.begin(), v.end());
    // == makes -0 and +0 one threshold, as x < threshold does.
    v.erase(std::unique(v.begin(), v.end()), v.end());
    if (v.size() > max_thresholds)
      return {};
  }
  return by;
}

struct tree_writer {
  const tree_spec& s;
  const std::vector<std::vector<float>>& thresholds;
  std::uint32_t width;  // bytes a rank table

  // Node `heap` of the complete tree (1-based level order) from node `src`
  // of the spec; below a leaf, copies of it.
  void lay(std::int32_t src, std::uint32_t heap, int level,
           std::uint8_t (&feature)[64], std::uint8_t (&rank)[64],
           float* leaves) const {
    if (level == vector_depth) {
      leaves[heap - (1u << vector_depth)] = s.value[src];
      return;
    }
    bool leaf = s.left[src] < 0;
    if (leaf) {
      feature[heap] = 0;
      rank[heap] = 0;
    } else {
      const auto& t = thresholds[s.feature[src]];
      auto r = std::lower_bound(t.begin(), t.end(), s.value[src]) - t.begin();
      auto table = (s.default_left[src] ? 1u : 0u) + (r == 255 ? 2u : 0u);
      feature[heap] = static_cast<std::uint8_t>(s.feature[src] + table * width);
      rank[heap] = static_cast<std::uint8_t>(r == 255 ? 254 : r);
    }
    lay(leaf ? src : s.left[src], 2 * heap, level + 1, feature, rank, leaves);
    lay(leaf ? src : s.right[src], 2 * heap + 1, level + 1, feature, rank,
        leaves);
  }
};

} // namespace

bool tree_model::cpu_vectorizes() {
#if FRAUD_TREE_VECTOR
  static const bool has = __builtin_cpu_supports("avx512f")
                          && __builtin_cpu_supports("avx512bw")
                          && __builtin_cpu_supports("avx512vbmi");
  return has;
#else
  return false;
#endif
}

bool vector_layout::lay(tree_model& m, const tree_model_spec& spec,
                        int max_depth) {
  if (!tree_model::cpu_vectorizes() || max_depth > vector_depth)
    return false;
  auto thresholds = thresholds_by_feature(spec);
  if (thresholds.empty())
    return false;
  bool full = std::any_of(thresholds.begin(), thresholds.end(), [](auto& t) {
    return t.size() == max_thresholds;
  });
  std::uint32_t width = full ? rank_bytes / 4 : rank_bytes / 2;
  if (spec.feature_count > width)
    return false;
  m.rank_width_ = width;
  for (const auto& t : thresholds) {
    m.rank_first_.push_back(
      static_cast<std::uint32_t>(m.rank_thresholds_.size()));
    // Blocks enough that the last one ends in NaN: a row's block is then
    // always one of them (the 17th, all NaN, for 256 thresholds).
    auto blocks = t.size() / block + 1;
    m.rank_thresholds_.resize(m.rank_thresholds_.size() + blocks * block, nan);
    std::copy(t.begin(), t.end(), m.rank_thresholds_.end() - blocks * block);
    for (std::size_t b = 0; b < block; ++b) {
      auto last = b * block + block - 1;
      m.rank_splitters_.push_back(last < t.size() ? t[last] : nan);
    }
  }
  m.vector_trees_.resize(spec.trees.size(), tree_model::vector_tree{});
  m.vector_leaves_.resize(spec.trees.size() << vector_depth);
  for (std::size_t t = 0; t < spec.trees.size(); ++t)
    tree_writer{spec.trees[t], thresholds, width}.lay(
      0, 1, 0, m.vector_trees_[t].feature, m.vector_trees_[t].rank,
      m.vector_leaves_.data() + (t << vector_depth));
  return true;
}

#if FRAUD_TREE_VECTOR

__attribute__((target("avx512f,avx512bw,avx512vbmi,popcnt"))) float
vector_layout::margin(const tree_model& m, const float* row) {
  alignas(64) std::uint8_t ranks[rank_bytes] = {};
  const float* splitters = m.rank_splitters_.data();
  const float* thresholds = m.rank_thresholds_.data();
  const auto width = m.rank_width_;
  for (std::uint32_t f = 0; f < m.feature_count_; ++f, splitters += block) {
    float x = row[f];
    __m512 v = _mm512_set1_ps(x);
    // How many thresholds are <= x: 16 for each splitter that is, then
    // those of the block x lands in. NaN compares false everywhere: 0.
    unsigned b = static_cast<unsigned>(__builtin_popcount(
      _mm512_cmp_ps_mask(_mm512_loadu_ps(splitters), v, _CMP_LE_OQ)));
    unsigned rank =
      b * block
      + static_cast<unsigned>(__builtin_popcount(_mm512_cmp_ps_mask(
        _mm512_loadu_ps(thresholds + m.rank_first_[f] + b * block), v,
        _CMP_LE_OQ)));
    bool missing = x != x;
    auto capped = static_cast<std::uint8_t>(std::min(rank, 255u));
    ranks[f] = missing ? 255 : capped;
    ranks[width + f] = capped;
    if (width < rank_bytes / 2) {
      std::uint8_t above = rank > 255 ? 255 : 0;
      ranks[2 * width + f] = missing ? 255 : above;
      ranks[3 * width + f] = above;
    }
  }
  const __m512i low = _mm512_load_si512(ranks);
  const __m512i high = _mm512_load_si512(ranks + rank_bytes / 2);
  float total = m.base_margin_;
  const float* leaves = m.vector_leaves_.data();
  for (const auto& t : m.vector_trees_) {
    __m512i at_node =
      _mm512_permutex2var_epi8(low, _mm512_load_si512(t.feature), high);
    std::uint64_t right =
      _mm512_cmplt_epu8_mask(_mm512_load_si512(t.rank), at_node);
    std::uint64_t i = 1;
    // i = 2i + bit i of `right`: bt puts the bit in the carry, adc adds;
    // two instructions a level, where C++ takes a shift, an and and a lea.
#pragma GCC unroll 8
    for (int level = 0; level < vector_depth; ++level)
      asm("bt %[i], %[right]\n\tadc %[i], %[i]"
          : [i] "+r"(i)
          : [right] "r"(right)
          : "cc");
    // In tree order and in float, as XGBoost adds them: the same bits.
    total += leaves[i - (1u << vector_depth)];
    leaves += 1u << vector_depth;
  }
  return total;
}

#else

float vector_layout::margin(const tree_model&, const float*) {
  std::abort();  // lay() never chose this layout
}

#endif

} // namespace fraud::models
