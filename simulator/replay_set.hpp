// A dataset loaded for replay: every transaction already encoded and its
// subject already written, back to back in a few large buffers, so that
// sending costs no allocation and no encoding. Read-only once loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/dataset.hpp"
#include "protocol/subjects.hpp"

namespace fraud::simulator {

/// Where transactions are sent: fraud.tx.<card_id>.
inline constexpr std::size_t card_token_at =
  std::char_traits<char>::length(protocol::subjects::tx_prefix);

class replay_set {
public:
  /// Reads a dataset (at most `limit` transactions, 0 for all). False with
  /// `error` set when it is not a readable dataset.
  bool load(std::istream& in, std::size_t limit, std::string& error);

  std::size_t size() const { return labels_.size(); }
  const protocol::dataset_header& header() const { return header_; }

  std::string_view payload(std::size_t i) const {
    return slice(payloads_, payload_end_, i);
  }
  /// fraud.tx.<card_id>, NUL-terminated.
  const char* subject(std::size_t i) const {
    return subjects_.data() + subject_at_[i];
  }
  std::string_view tx_id(std::size_t i) const {
    return slice(tx_ids_, tx_id_end_, i);
  }
  std::string_view card_id(std::size_t i) const {
    return std::string_view{subject(i)}.substr(card_token_at);
  }
  protocol::fraud_label label(std::size_t i) const { return labels_[i]; }
  std::uint32_t attack_id(std::size_t i) const { return attack_ids_[i]; }

private:
  static std::string_view slice(const std::string& buf,
                                const std::vector<std::size_t>& end,
                                std::size_t i) {
    std::size_t from = i == 0 ? 0 : end[i - 1];
    return std::string_view{buf}.substr(from, end[i] - from);
  }

  protocol::dataset_header header_;
  std::string payloads_;
  std::vector<std::size_t> payload_end_;
  std::string subjects_;
  std::vector<std::size_t> subject_at_;
  std::string tx_ids_;
  std::vector<std::size_t> tx_id_end_;
  std::vector<protocol::fraud_label> labels_;
  std::vector<std::uint32_t> attack_ids_;
};

} // namespace fraud::simulator
