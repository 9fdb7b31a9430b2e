// A boosted tree ensemble, laid out for the hot path: a transaction's
// features in, the fraud probability (0-1) out, at about 2.5 ns a tree of
// depth 6 on the 2-vCPU test machine with AVX-512 (5-6 ns without;
// bench/tree_model_bench.cpp, BENCHMARKS.md), 40 times less than XGBoost's
// own predict call.
//
// The semantics are XGBoost's (1.7, binary:logistic, gbtree), reproduced to
// the bit: a node sends a row left when `x < threshold` in float32, a
// missing value (NaN) where the node says (default_left); the margin starts
// at the model's base margin and adds each tree's leaf in float32, in tree
// order; the probability is 1 / (1 + expf(-margin)).
//
// Layout: every tree is padded to a complete binary tree of its own depth
// (a leaf above the bottom is copied into every slot below it), so a
// traversal is index arithmetic without branches: i = 2i + right, a
// compare and an add-with-carry. Trees of one depth sit together in groups
// of eight, nodes in level order, so the evaluator runs one unrolled loop
// per depth over eight trees at once and the CPU overlaps them.
//
// Floats are compared as unsigned keys that order like floats (the row's
// converted once per call), and missing values cost nothing per node: the
// row is keyed twice, NaN above every threshold in the first copy and
// below every threshold in the second, and a split that sends missing
// values left reads the second.
//
// Vectorised layout (models/tree_model_vector.cpp), chosen at build() when
// the CPU has AVX-512 VBMI, every tree is at most 6 deep, the model has at
// most 64 features (32 if one has 256 thresholds) and no feature more than
// 256 distinct thresholds (what XGBoost's hist method, 256 bins, trains):
// a threshold becomes its rank
// among its feature's thresholds (a byte), and the row's values their
// ranks, found once per row; a tree is then 64 bytes of features and 64 of
// ranks, one level-ordered complete tree of depth 6, and all its 63 splits
// are decided at once (a byte permute fetches each node's row rank, a byte
// compare gives a 64-bit mask); the walk is six bit tests on that mask.
// Otherwise the portable layout above.
//
// Immutable once built; predict() is const and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/error.hpp"

namespace fraud::models {

/// One tree as XGBoost saves it: node 0 is the root; a leaf has left and
/// right -1, and `value` holds its weight; a split's `value` is its
/// threshold. Nodes nobody reaches from the root are ignored.
struct tree_spec {
  std::vector<std::int32_t> left;
  std::vector<std::int32_t> right;
  std::vector<std::uint32_t> feature;
  std::vector<float> value;
  std::vector<std::uint8_t> default_left;
};

/// What a tree_model is built from; models/xgboost_model.hpp reads it from
/// a saved XGBoost model.
/// Which evaluator build() lays the model out for.
enum class tree_evaluator {
  fastest,   // the vectorised one where the CPU and the model allow it
  portable,  // always the portable one (tests compare the two)
};

struct tree_model_spec {
  std::uint32_t feature_count = 0;
  float base_score = 0.5f;  // a probability, as XGBoost keeps it
  std::vector<std::string> feature_names;  // empty, or feature_count names
  std::vector<tree_spec> trees;
};

class tree_model {
public:
  /// Trees deeper than this are refused: padded, a tree costs 2^depth
  /// nodes, and a hot-path model has no business being that deep.
  static constexpr int max_supported_depth = 10;
  /// Features a model may have: the evaluator copies a row on its stack.
  static constexpr std::uint32_t max_features = 1024;

  /// Checks the spec (every index in range, each node reached once, leaves
  /// finite, depth at most max_supported_depth) and lays it out. An error
  /// (MALFORMED or CONFIG_ERROR) says which tree and node is wrong.
  static expected<tree_model>
  build(const tree_model_spec& spec,
        tree_evaluator evaluator = tree_evaluator::fastest);

  /// The margin (log-odds) for `row`: feature_count() floats, NaN for a
  /// missing value.
  float margin(const float* row) const;

  /// The probability, 0-1: what XGBoost's predict returns.
  float predict(const float* row) const;

  std::uint32_t feature_count() const {
    return feature_count_;
  }
  const std::vector<std::string>& feature_names() const {
    return feature_names_;
  }
  std::size_t tree_count() const {
    return tree_count_;
  }
  /// The deepest tree's depth (a lone leaf is 0).
  int depth() const {
    return max_depth_;
  }
  float base_score() const {
    return base_score_;
  }
  /// Whether this CPU runs the vectorised evaluator (AVX-512 VBMI).
  static bool cpu_vectorizes();
  /// Whether build() chose the vectorised layout (see the top of the file).
  bool vectorized() const {
    return !vector_trees_.empty();
  }
  /// Bytes the laid-out trees take.
  std::size_t memory_bytes() const {
    return nodes_.size() * sizeof(node) + leaves_.size() * sizeof(float)
           + slots_.size() * sizeof(std::uint16_t)
           + vector_trees_.size() * sizeof(vector_tree)
           + vector_leaves_.size() * sizeof(float)
           + (rank_splitters_.size() + rank_thresholds_.size()) * sizeof(float);
  }

private:
  // A split: a row goes right when bound < its value's key (the
  // threshold's order-preserving key minus one, see tree_model.cpp), read
  // from the row twice (margin()) at `feature`: the feature's index, plus
  // feature_count when a missing value goes left. Eight bytes.
  struct node {
    std::uint32_t bound;
    std::uint32_t feature;
  };

  // Trees are evaluated `chunk` at a time into a small array and added up
  // in their order; within a chunk, trees of one depth form a bucket.
  static constexpr std::size_t chunk = 64;
  static constexpr std::uint32_t lanes = 8;  // trees walked side by side
  struct bucket {
    int depth;
    std::uint32_t groups;  // of `lanes` trees
    std::size_t first_node;  // in nodes_
    std::size_t first_leaf;  // in leaves_
    std::size_t first_slot;  // in slots_: each tree's place in its chunk
                             // (`chunk` for a tree that fills a group)
  };
  struct chunk_range {
    std::uint32_t first_bucket;
    std::uint32_t buckets;
    std::uint32_t trees;
  };

  std::uint32_t feature_count_ = 0;
  float base_score_ = 0.5f;
  float base_margin_ = 0;
  std::size_t tree_count_ = 0;
  int max_depth_ = 0;
  std::vector<std::string> feature_names_;
  std::vector<node> nodes_;
  std::vector<float> leaves_;
  std::vector<std::uint16_t> slots_;
  std::vector<bucket> buckets_;
  std::vector<chunk_range> chunks_;

  // The vectorised layout: node p (1-63, children 2p and 2p + 1) of a
  // complete tree of depth 6 goes right when rank[p] < the row's rank
  // byte at feature[p] (the feature's index in one of the row's rank
  // tables of rank_width_ bytes: models/tree_model_vector.cpp). A row's
  // rank for feature f is how many of f's distinct
  // thresholds are <= its value: 16 times how many of rank_splitters_
  // (16 per feature: every 16th threshold, NaN past the last) are <= it,
  // plus how many of the block of 16 thresholds it lands in are.
  struct alignas(64) vector_tree {
    std::uint8_t feature[64];
    std::uint8_t rank[64];
  };
  std::vector<vector_tree> vector_trees_;
  std::vector<float> vector_leaves_;  // 64 a tree, leaf p - 64
  std::vector<float> rank_splitters_;
  std::vector<float> rank_thresholds_;  // blocks of 16, NaN-padded
  std::vector<std::uint32_t> rank_first_;  // feature f's first block
  std::uint32_t rank_width_ = 0;

  friend struct tree_layout;
  friend struct vector_layout;
};

} // namespace fraud::models
