// What fraud-sim reads and writes on top of the wire contract: the labelled
// dataset file, and the compact view of a decision it keeps while counting.
//
// A dataset file is a sequence of length-delimited protobuf messages (a
// varint byte count, then the bytes): one fraud.v1.DatasetHeader, then one
// fraud.v1.LabeledTransaction per transaction, in event-time order.
//
// Readers and writers are not thread-safe; decode_decision_outcome is (it
// keeps one scratch message per thread).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "models/decision.hpp"
#include "models/error.hpp"
#include "models/transaction.hpp"

namespace fraud::protocol {

enum class fraud_label : std::uint8_t {
  legitimate = 0,
  card_testing = 1,
  impossible_travel = 2,
  account_takeover = 3,
  stolen_card_spree = 4,
  slow_anomaly = 5,
  fraud_ring = 6,
  merchant_card_testing = 7,
};

inline constexpr std::size_t fraud_label_count = 8;

/// Lower case with underscores, e.g. "card_testing".
const char* to_string(fraud_label l);

/// The format string a header carries; readers refuse any other.
inline constexpr const char* dataset_format = "fraud-sim/1";

struct dataset_header {
  std::string format = dataset_format;
  std::uint64_t seed = 0;
  std::uint32_t cards = 0;
  std::uint32_t days = 0;
  double fraud_rate = 0;
  std::int64_t start_ms = 0;
  std::uint64_t transactions = 0;
  std::string generator;
};

struct labeled_transaction {
  models::transaction tx;
  fraud_label label = fraud_label::legitimate;
  std::uint32_t attack_id = 0;  // 0 when legitimate
};

class dataset_writer {
public:
  /// Writes to `out`, which must outlive the writer.
  explicit dataset_writer(std::ostream& out);
  ~dataset_writer();

  bool write_header(const dataset_header& h);
  bool write(const labeled_transaction& r);
  /// Flushes to the stream; false when anything failed.
  bool finish();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

class dataset_reader {
public:
  /// Reads from `in`, which must outlive the reader.
  explicit dataset_reader(std::istream& in);
  ~dataset_reader();

  /// Reads and checks the header; false with error() set when it is not a
  /// fraud-sim dataset of this format.
  bool read_header(dataset_header& out);

  /// The next record, its transaction validated as the service would. When
  /// `tx_bytes` is given it receives the encoded fraud.v1.Transaction.
  /// False at the end of the file, or on a bad record with error() set.
  bool next(labeled_transaction& out, std::string* tx_bytes = nullptr);

  /// Empty unless something was wrong.
  const std::string& error() const { return error_; }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string error_;
  std::uint64_t records_ = 0;
};

/// What a client counting decisions keeps of one. The views point into a
/// thread-local message: valid until the next call on the same thread.
struct decision_outcome {
  static constexpr std::size_t max_rules = 16;

  std::string_view tx_id;
  models::action action = models::action::approve;
  bool rejected = false;   // the error field is set: the input was refused
  bool duplicate = false;  // the answer to a re-sent tx_id
  std::int64_t service_latency_ns = 0;
  std::array<std::string_view, max_rules> rules;  // the reasons' rules
  std::size_t rule_count = 0;
};

/// Parses a fraud.v1.Decision without allocating once warm; MALFORMED when
/// it is not one.
fraud::error decode_decision_outcome(const void* data, std::size_t size,
                             decision_outcome& out);

} // namespace fraud::protocol
