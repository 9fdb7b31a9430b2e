#include "protocol/subjects.hpp"
#include "simulator/replay_set.hpp"

namespace fraud::simulator {

bool replay_set::load(std::istream& in, std::size_t limit,
                      std::string& error) {
  protocol::dataset_reader reader{in};
  if (!reader.read_header(header_)) {
    error = reader.error();
    return false;
  }
  auto expected = limit > 0 ? std::min<std::uint64_t>(limit, header_.transactions)
                            : header_.transactions;
  payload_end_.reserve(expected);
  subject_at_.reserve(expected);
  tx_id_end_.reserve(expected);
  labels_.reserve(expected);
  attack_ids_.reserve(expected);
  protocol::labeled_transaction lt;
  std::string bytes;
  while ((limit == 0 || labels_.size() < limit) && reader.next(lt, &bytes)) {
    payloads_ += bytes;
    payload_end_.push_back(payloads_.size());
    subject_at_.push_back(subjects_.size());
    subjects_ += protocol::subjects::tx_prefix;
    subjects_ += lt.tx.card_id;
    subjects_ += '\0';
    tx_ids_ += lt.tx.tx_id;
    tx_id_end_.push_back(tx_ids_.size());
    labels_.push_back(lt.label);
    attack_ids_.push_back(lt.attack_id);
  }
  if (!reader.error().empty()) {
    error = reader.error();
    return false;
  }
  return true;
}

} // namespace fraud::simulator
