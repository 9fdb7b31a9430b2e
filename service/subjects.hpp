// NATS subjects of the wire contract, and the card token inside them.
#pragma once

#include <string>
#include <string_view>

#include "models/decision.hpp"

namespace fraud::service {

inline constexpr const char* tx_subject_prefix = "fraud.tx.";
inline constexpr const char* rejected_subject = "fraud.rejected";
inline constexpr const char* decisions_prefix = "fraud.decisions.";

/// The card token of a transaction subject: token `position` counted from
/// 1, or the last token when position is 0. Empty when there is none.
std::string_view card_token(std::string_view subject, int position);

/// fraud.decisions.<action>.<card_id>, written into `out`.
void decision_subject(models::action a, const std::string& card_id,
                      std::string& out);

} // namespace fraud::service
