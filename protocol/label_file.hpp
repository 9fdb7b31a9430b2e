// Outcome labels from a file, for a bulk load (fraudctl labels load):
// a fraud-sim dataset (protocol/dataset.hpp: every transaction labelled,
// fraud for any attack, legit otherwise), or CSV lines
//   tx_id,outcome[,source[,at_ms[,note]]]
// where outcome is fraud or legit, a first line starting "tx_id," is a
// header, and blank lines and lines starting with # are skipped. The file
// is read whole and checked before anything is sent: a bad line is an
// error naming its line number, and nothing is loaded.
#pragma once

#include <string>
#include <vector>

#include "models/error.hpp"
#include "protocol/outcome_codec.hpp"

namespace fraud::protocol {

enum class label_file_format { automatic, dataset, csv };

/// `source` is each label's source where the file names none; `at_ms`
/// its time where the file gives none (0: when fraudd receives it).
fraud::expected<std::vector<label>>
read_label_file(const std::string& path, label_file_format format,
                const std::string& source, std::int64_t at_ms);

} // namespace fraud::protocol
