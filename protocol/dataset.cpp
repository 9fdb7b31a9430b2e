#include "protocol/dataset.hpp"

#include <istream>
#include <limits>
#include <optional>
#include <ostream>

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "protocol/codec.hpp"
#include "protocol/fraud.pb.h"

namespace fraud::protocol {

namespace gpio = google::protobuf::io;
namespace gputil = google::protobuf::util;

const char* to_string(fraud_label l) {
  switch (l) {
    case fraud_label::legitimate:
      return "legitimate";
    case fraud_label::card_testing:
      return "card_testing";
    case fraud_label::impossible_travel:
      return "impossible_travel";
    case fraud_label::account_takeover:
      return "account_takeover";
    case fraud_label::stolen_card_spree:
      return "stolen_card_spree";
    case fraud_label::slow_anomaly:
      return "slow_anomaly";
    case fraud_label::fraud_ring:
      return "fraud_ring";
    case fraud_label::merchant_card_testing:
      return "merchant_card_testing";
  }
  return "unknown";
}

// ---- writer ---------------------------------------------------------------

struct dataset_writer::impl {
  explicit impl(std::ostream& o) : out(o) {}
  std::ostream& out;
  // OstreamOutputStream writes its buffer out only when destroyed: finish()
  // destroys it, hence the optional.
  std::optional<gpio::OstreamOutputStream> stream_holder{std::in_place, &out};
  gpio::OstreamOutputStream& stream = *stream_holder;
  v1::LabeledTransaction record;
  std::string tx_bytes;
  bool ok = true;
};

dataset_writer::dataset_writer(std::ostream& out)
  : impl_(std::make_unique<impl>(out)) {
}

dataset_writer::~dataset_writer() = default;

bool dataset_writer::write_header(const dataset_header& h) {
  v1::DatasetHeader msg;
  msg.set_format(h.format);
  msg.set_seed(h.seed);
  msg.set_cards(h.cards);
  msg.set_days(h.days);
  msg.set_fraud_rate(h.fraud_rate);
  msg.set_start_ms(h.start_ms);
  msg.set_transactions(h.transactions);
  msg.set_generator(h.generator);
  impl_->ok = impl_->ok
              && gputil::SerializeDelimitedToZeroCopyStream(msg,
                                                            &impl_->stream);
  return impl_->ok;
}

bool dataset_writer::write(const labeled_transaction& r) {
  auto& msg = impl_->record;
  // The transaction goes through the one encoder of the wire contract.
  encode_transaction(r.tx, impl_->tx_bytes);
  if (!msg.mutable_tx()->ParseFromString(impl_->tx_bytes))
    return impl_->ok = false;
  msg.set_label(static_cast<v1::FraudLabel>(static_cast<int>(r.label)));
  msg.set_attack_id(r.attack_id);
  impl_->ok = impl_->ok
              && gputil::SerializeDelimitedToZeroCopyStream(msg,
                                                            &impl_->stream);
  return impl_->ok;
}

bool dataset_writer::finish() {
  impl_->stream_holder.reset();
  impl_->out.flush();
  impl_->ok = impl_->ok && impl_->out.good();
  return impl_->ok;
}

// ---- reader ---------------------------------------------------------------

struct dataset_reader::impl {
  explicit impl(std::istream& in) : stream(&in) {}
  gpio::IstreamInputStream stream;
  v1::LabeledTransaction record;
  std::string tx_bytes;
};

dataset_reader::dataset_reader(std::istream& in)
  : impl_(std::make_unique<impl>(in)) {
}

dataset_reader::~dataset_reader() = default;

bool dataset_reader::read_header(dataset_header& out) {
  v1::DatasetHeader msg;
  bool clean_eof = false;
  if (!gputil::ParseDelimitedFromZeroCopyStream(&msg, &impl_->stream,
                                                &clean_eof)
      || msg.format() != dataset_format) {
    error_ = clean_eof ? "empty file"
                       : std::string{"not a "} + dataset_format + " dataset";
    return false;
  }
  out.format = msg.format();
  out.seed = msg.seed();
  out.cards = msg.cards();
  out.days = msg.days();
  out.fraud_rate = msg.fraud_rate();
  out.start_ms = msg.start_ms();
  out.transactions = msg.transactions();
  out.generator = msg.generator();
  return true;
}

bool dataset_reader::next(labeled_transaction& out, std::string* tx_bytes) {
  auto& msg = impl_->record;
  msg.Clear();  // parsing a delimited message merges into it
  bool clean_eof = false;
  if (!gputil::ParseDelimitedFromZeroCopyStream(&msg, &impl_->stream,
                                                &clean_eof)) {
    if (!clean_eof)
      error_ = "record " + std::to_string(records_ + 1)
               + " is not a fraud.v1.LabeledTransaction";
    return false;
  }
  ++records_;
  auto& bytes = tx_bytes != nullptr ? *tx_bytes : impl_->tx_bytes;
  bytes.clear();
  msg.tx().SerializeToString(&bytes);
  if (auto bad = decode_transaction(bytes.data(), bytes.size(), out.tx)) {
    error_ = "record " + std::to_string(records_) + ": " + bad.field() + ": "
             + bad.what();
    return false;
  }
  auto label = static_cast<int>(msg.label());
  if (label < 0 || label >= static_cast<int>(fraud_label_count)) {
    error_ = "record " + std::to_string(records_) + ": unknown label "
             + std::to_string(label);
    return false;
  }
  out.label = static_cast<fraud_label>(label);
  out.attack_id = msg.attack_id();
  return true;
}

// ---- decisions --------------------------------------------------------------

namespace {

bool read_decision(const void* data, std::size_t size,
                             decision_outcome& out) {
  thread_local v1::Decision msg;
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())
      || !msg.ParseFromArray(data, static_cast<int>(size)))
    return false;
  auto a = static_cast<int>(msg.action());
  if (a < 0 || a > 2)
    return false;
  out.tx_id = msg.tx_id();
  out.action = static_cast<models::action>(a);
  out.rejected = msg.has_error() && msg.error().code() != v1::ERROR_NONE;
  out.duplicate = msg.duplicate();
  out.service_latency_ns = msg.service_latency_ns();
  out.rule_count = 0;
  for (auto& r : msg.reasons()) {
    if (out.rule_count == decision_outcome::max_rules)
      break;
    out.rules[out.rule_count++] = r.rule();
  }
  return true;
}

} // namespace

fraud::error decode_decision_outcome(const void* data, std::size_t size,
                             decision_outcome& out) {
  if (!read_decision(data, size, out))
    return fraud::error{ec::malformed, "not a fraud.v1.Decision protobuf message"};
  return {};
}

} // namespace fraud::protocol
