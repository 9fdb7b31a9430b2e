// Field validation of a transaction, independent of how it arrived.
#pragma once

#include <string>
#include <string_view>

#include "models/error.hpp"
#include "models/transaction.hpp"

namespace fraud::models {

/// True when every character is printable ASCII other than a space (as
/// ids must be; an empty string is).
bool printable(std::string_view s);

/// True for a card token: [A-Za-z0-9_-]{1,64}.
bool is_card_token(std::string_view s);

/// INVALID_FIELD naming the first field that is not acceptable; no error
/// when all are.
[[nodiscard]] error validate(const transaction& tx);

/// INVALID_FIELD "event_time_ms" when the transaction claims to happen
/// more than `max_ahead_ms` after `now_ms`, the service's clock: windows
/// run on event time, so a card that took one transaction dated 2099 would
/// see every real one after it as long past, and its velocity rules would
/// go blind. Late transactions are fine (windows take them where they
/// belong). No check when max_ahead_ms is 0.
[[nodiscard]] error check_event_time(const transaction& tx,
                                     std::int64_t now_ms,
                                     std::int64_t max_ahead_ms);

} // namespace fraud::models
