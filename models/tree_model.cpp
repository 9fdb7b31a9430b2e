#include "models/tree_model.hpp"

#include "models/tree_model_vector.hpp"

#include <cmath>
#include <cstring>

namespace fraud::models {

namespace {

std::string at_tree(std::size_t t, std::int64_t node = -1) {
  auto s = "tree " + std::to_string(t);
  if (node >= 0)
    s += " node " + std::to_string(node);
  return s;
}

// The depth of tree `t` (a lone leaf: 0), or why it is not a tree.
expected<int> checked_depth(const tree_spec& s, std::size_t t,
                            std::uint32_t feature_count) {
  auto n = s.left.size();
  if (n == 0)
    return make_error(ec::malformed, at_tree(t) + " has no nodes");
  if (s.right.size() != n || s.feature.size() != n || s.value.size() != n
      || s.default_left.size() != n)
    return make_error(ec::malformed,
                      at_tree(t) + ": its node arrays differ in length");
  std::vector<bool> seen(n, false);
  struct visit {
    std::int32_t node;
    int level;
  };
  std::vector<visit> todo{{0, 0}};
  int depth = 0;
  while (!todo.empty()) {
    auto [i, level] = todo.back();
    todo.pop_back();
    if (seen[i])
      return make_error(ec::malformed,
                        at_tree(t, i) + " is reached twice: not a tree");
    seen[i] = true;
    auto l = s.left[i];
    auto r = s.right[i];
    if (l == -1 && r == -1) {
      if (!std::isfinite(s.value[i]))
        return make_error(ec::malformed,
                          at_tree(t, i) + ": the leaf's value is not finite");
      depth = std::max(depth, level);
      continue;
    }
    auto in_range = [&](std::int32_t c) {
      return c > 0 && static_cast<std::size_t>(c) < n;
    };
    if (!in_range(l) || !in_range(r))
      return make_error(ec::malformed,
                        at_tree(t, i) + ": a child index out of range");
    if (!std::isfinite(s.value[i]))
      return make_error(ec::malformed,
                        at_tree(t, i) + ": the split's threshold is not finite");
    if (s.feature[i] >= feature_count)
      return make_error(ec::malformed,
                        at_tree(t, i) + " splits on feature "
                          + std::to_string(s.feature[i]) + " of only "
                          + std::to_string(feature_count));
    if (level + 1 > tree_model::max_supported_depth)
      return make_error(
        ec::config_error,
        at_tree(t) + " is deeper than "
          + std::to_string(tree_model::max_supported_depth)
          + " levels, the most the evaluator lays out: train with a smaller "
            "max_depth");
    todo.push_back({l, level + 1});
    todo.push_back({r, level + 1});
  }
  return depth;
}

// An unsigned key that orders floats as `<` does (-0 and +0 alike): x < y
// exactly when order_key(x) < order_key(y), for every value but NaN. The
// smallest finite value's key is 0x0080'0000, so a threshold's key minus
// one does not wrap.
std::uint32_t order_key(float x) {
  x += 0.0f;  // -0 becomes +0
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits & 0x8000'0000u ? ~bits : bits | 0x8000'0000u;
}

} // namespace

// Lays trees out padded to complete binary trees (see the header), in
// groups of `lanes` trees of one depth: tree k of a group is the block at
// k * 2^depth, its nodes numbered from 1 in level order (the children of i
// are 2i and 2i + 1), so that one base register and a constant reach every
// tree of the group, and a step down is i = 2i + right.
struct tree_layout {
  using node = tree_model::node;
  static constexpr std::uint32_t lanes = tree_model::lanes;

  static void lay(const tree_spec& s, std::uint32_t feature_count,
                  std::int32_t src, std::uint32_t heap, int level, int depth,
                  node* nodes, float* leaves) {
    if (level == depth) {
      leaves[heap - (1u << depth)] = s.value[src];
      return;
    }
    bool leaf = s.left[src] < 0;
    if (leaf) {
      // Both ways lead to copies of this leaf; the split does not matter.
      nodes[heap] = node{0, 0};
    } else {
      // Right when bound < the value's key, i.e. the value >= threshold.
      // Missing values go left when read from the row's second copy.
      nodes[heap] =
        node{order_key(s.value[src]) - 1,
             s.feature[src] + (s.default_left[src] ? feature_count : 0u)};
    }
    lay(s, feature_count, leaf ? src : s.left[src], 2 * heap, level + 1,
        depth, nodes, leaves);
    lay(s, feature_count, leaf ? src : s.right[src], 2 * heap + 1, level + 1,
        depth, nodes, leaves);
  }

  // A group of trees of depth `depth` (at most `lanes`; the rest of the
  // group is filled with trees whose leaves are 0 and go nowhere).
  // `trees` are indices in `spec`; a tree's slot is its place in the chunk
  // that begins at `chunk_first`.
  static void append_group(tree_model& m, const tree_model_spec& spec,
                           const std::size_t* trees, std::uint32_t count,
                           std::size_t chunk_first, int depth) {
    std::size_t width = std::size_t{1} << depth;
    auto n0 = m.nodes_.size();
    auto l0 = m.leaves_.size();
    m.nodes_.resize(n0 + width * lanes, node{0, 0});
    m.leaves_.resize(l0 + width * lanes, 0.0f);
    for (std::uint32_t k = 0; k < lanes; ++k) {
      if (k < count) {
        lay(spec.trees[trees[k]], m.feature_count_, 0, 1, 0, depth,
            m.nodes_.data() + n0 + k * width,
            m.leaves_.data() + l0 + k * width);
        m.slots_.push_back(static_cast<std::uint16_t>(trees[k] - chunk_first));
      } else {
        m.slots_.push_back(static_cast<std::uint16_t>(tree_model::chunk));
      }
    }
  }

  // Every group of one bucket; the trees are independent of one another,
  // so the CPU overlaps them, and no branch depends on the data.
  template <int Depth>
  static void run(const tree_model& m, const tree_model::bucket& b,
                  const std::uint32_t* keys, float* out);
  static void run(const tree_model& m, const tree_model::bucket& b,
                  const std::uint32_t* keys, float* out);
};

expected<tree_model> tree_model::build(const tree_model_spec& spec,
                                       tree_evaluator evaluator) {
  if (spec.feature_count == 0)
    return make_error(ec::malformed, "the model has no features");
  if (spec.feature_count > max_features)
    return make_error(ec::config_error,
                      "the model has " + std::to_string(spec.feature_count)
                        + " features, more than the "
                        + std::to_string(max_features)
                        + " the evaluator takes");
  if (!spec.feature_names.empty()
      && spec.feature_names.size() != spec.feature_count)
    return make_error(ec::malformed,
                      "the model names " + std::to_string(spec.feature_names.size())
                        + " features but has "
                        + std::to_string(spec.feature_count));
  if (!(spec.base_score > 0.0f && spec.base_score < 1.0f))
    return make_error(ec::malformed,
                      "base_score must be a probability between 0 and 1");
  std::vector<int> depths;
  depths.reserve(spec.trees.size());
  for (std::size_t t = 0; t < spec.trees.size(); ++t) {
    auto d = checked_depth(spec.trees[t], t, spec.feature_count);
    if (!d)
      return d.error();
    depths.push_back(*d);
  }
  tree_model m;
  m.feature_count_ = spec.feature_count;
  m.feature_names_ = spec.feature_names;
  m.base_score_ = spec.base_score;
  // XGBoost's ProbToMargin for binary:logistic, in float as it computes it.
  m.base_margin_ = -std::log(1.0f / spec.base_score - 1.0f);
  m.tree_count_ = spec.trees.size();
  for (auto d : depths)
    m.max_depth_ = std::max(m.max_depth_, d);
  if (evaluator == tree_evaluator::fastest
      && vector_layout::lay(m, spec, m.max_depth_))
    return m;
  for (std::size_t first = 0; first < spec.trees.size(); first += chunk) {
    auto last = std::min(first + chunk, spec.trees.size());
    chunk_range c{static_cast<std::uint32_t>(m.buckets_.size()), 0,
                  static_cast<std::uint32_t>(last - first)};
    for (int d = 0; d <= max_supported_depth; ++d) {
      std::vector<std::size_t> trees;  // of this depth, in this chunk
      for (auto t = first; t < last; ++t)
        if (depths[t] == d)
          trees.push_back(t);
      if (trees.empty())
        continue;
      bucket b{d, 0, m.nodes_.size(), m.leaves_.size(), m.slots_.size()};
      for (std::size_t g = 0; g < trees.size(); g += lanes) {
        auto count = static_cast<std::uint32_t>(
          std::min<std::size_t>(lanes, trees.size() - g));
        tree_layout::append_group(m, spec, trees.data() + g, count, first,
                                  d);
        ++b.groups;
      }
      m.buckets_.push_back(b);
      ++c.buckets;
    }
    m.chunks_.push_back(c);
  }
  return m;
}

template <int Depth>
void tree_layout::run(const tree_model& m, const tree_model::bucket& b,
                      const std::uint32_t* keys, float* out) {
  constexpr std::size_t width = std::size_t{1} << Depth;
  const node* gn = m.nodes_.data() + b.first_node;
  const float* gl = m.leaves_.data() + b.first_leaf;
  const std::uint16_t* slots = m.slots_.data() + b.first_slot;
  for (std::uint32_t g = 0; g < b.groups;
       ++g, gn += width * lanes, gl += width * lanes, slots += lanes) {
    std::size_t at[lanes];
#pragma GCC unroll 16
    for (std::uint32_t k = 0; k < lanes; ++k)
      at[k] = 1;
#pragma GCC unroll 16
    for (int level = 0; level < Depth; ++level) {
#pragma GCC unroll 16
      for (std::uint32_t k = 0; k < lanes; ++k) {
        node n = gn[k * width + at[k]];
        at[k] = at[k] + at[k] + (n.bound < keys[n.feature]);
      }
    }
#pragma GCC unroll 16
    for (std::uint32_t k = 0; k < lanes; ++k)
      out[slots[k]] = gl[k * width + at[k] - width];
  }
}

void tree_layout::run(const tree_model& m, const tree_model::bucket& b,
                      const std::uint32_t* keys, float* out) {
  switch (b.depth) {
    case 0: return run<0>(m, b, keys, out);
    case 1: return run<1>(m, b, keys, out);
    case 2: return run<2>(m, b, keys, out);
    case 3: return run<3>(m, b, keys, out);
    case 4: return run<4>(m, b, keys, out);
    case 5: return run<5>(m, b, keys, out);
    case 6: return run<6>(m, b, keys, out);
    case 7: return run<7>(m, b, keys, out);
    case 8: return run<8>(m, b, keys, out);
    case 9: return run<9>(m, b, keys, out);
    case 10: return run<10>(m, b, keys, out);
  }
}

static_assert(tree_model::max_supported_depth == 10,
              "tree_layout::run dispatches depths 0 to 10");

float tree_model::margin(const float* row) const {
  if (vectorized())
    return vector_layout::margin(*this, row);
  // The row twice, as keys: as it is, where a missing value (NaN) is above
  // every threshold and goes right; then with NaN below every threshold,
  // going left. A split that sends missing values left reads the second.
  std::uint32_t keys[2 * max_features];
  for (std::uint32_t f = 0; f < feature_count_; ++f) {
    float x = row[f];
    bool missing = x != x;
    keys[f] = missing ? 0xFFFF'FFFFu : order_key(x);
    keys[feature_count_ + f] = missing ? 0u : order_key(x);
  }
  float total = base_margin_;
  float leaf[chunk + 1];  // the last for the trees that fill a group
  for (const auto& c : chunks_) {
    for (auto b = c.first_bucket; b < c.first_bucket + c.buckets; ++b)
      tree_layout::run(*this, buckets_[b], keys, leaf);
    // In tree order and in float, as XGBoost adds them: the same bits.
    for (std::uint32_t k = 0; k < c.trees; ++k)
      total += leaf[k];
  }
  return total;
}

float tree_model::predict(const float* row) const {
  return 1.0f / (1.0f + std::exp(-margin(row)));
}

} // namespace fraud::models
