// Which data a model was trained on, carried in the model file itself
// (XGBoost's learner attributes, written by fraud-sim train), so that a
// backtest can say what it tests the model on and refuse to test it on
// the data it learnt from.
//
// A dataset is named by its file's bytes (FNV-1a 64 of the whole file, the
// same for a copy under another name) and by its header: the generator's
// seed, scenario and transaction count. Two files with the same bytes are
// the same data; two different files from the same seed and scenario are
// too (fraud-sim generate is deterministic); the same seed with another
// scenario shares the random streams, and is said to be suspect.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "protocol/dataset.hpp"

namespace fraud::simulator {

struct dataset_identity {
  std::string path;                  // as given to fraud-sim train
  std::string fingerprint;           // 16 hex digits, FNV-1a 64 of the file
  protocol::dataset_header header;   // seed, cards, days, fraud rate, ...
  std::uint64_t rows = 0;            // transactions trained on
  std::uint64_t fraud_rows = 0;
};

/// The file's fingerprint and header; nullopt with `error` set when it
/// cannot be read or is not a dataset.
std::optional<dataset_identity> identify_dataset(const std::string& path,
                                                 std::string& error);

/// As model attributes (keys "fraud_sim.training.*"), and back: nullopt
/// when the attributes hold no training data (a model trained elsewhere).
std::map<std::string, std::string>
training_attributes(const dataset_identity& d);
std::optional<dataset_identity>
training_data_of(const std::map<std::string, std::string>& attributes);

enum class data_overlap {
  none,
  same_seed,  // another scenario from the same seed: suspect
  same_data,  // the same bytes, or the same seed and scenario
};

data_overlap overlap(const dataset_identity& trained_on,
                     const dataset_identity& tested_on);

/// "s1.bin (seed 1, 10000 cards, 14 days, fingerprint 0123...): 223995
/// transactions, 1029 fraudulent".
std::string describe(const dataset_identity& d);

} // namespace fraud::simulator
