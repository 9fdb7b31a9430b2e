// A labelled dataset turned into what a model learns from: each
// transaction's features as the service would have computed them (the
// card's state replayed in event-time order through models::score_and_apply
// with a ruleset, since what a card remembers depends on what was
// approved), as a row of models::model_features, labelled 1 for fraud of
// any typology and 0 for legitimate.
//
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/ruleset.hpp"
#include "protocol/dataset.hpp"

namespace fraud::simulator {

struct training_set {
  protocol::dataset_header header;
  std::size_t columns = 0;     // models::model_feature_count
  std::vector<float> rows;     // row-major, NaN where a feature is missing
  std::vector<float> labels;   // one per row: 1 fraud, 0 legitimate
  std::array<std::uint64_t, protocol::fraud_label_count> by_label{};

  std::size_t size() const {
    return labels.size();
  }
  std::uint64_t fraud() const {
    return size() - by_label[0];
  }
};

/// Reads a dataset (at most `limit` transactions, 0 for all), the card
/// states driven by `rules`. False with `error` set when the input is not
/// a readable dataset.
bool read_training_set(std::istream& in, const models::ruleset& rules,
                       std::size_t limit, training_set& out,
                       std::string& error);

} // namespace fraud::simulator
