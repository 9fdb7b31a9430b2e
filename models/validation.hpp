// Field validation of a transaction, independent of how it arrived.
#pragma once

#include <string>
#include <string_view>

#include "models/error.hpp"
#include "models/transaction.hpp"

namespace fraud::models {

/// True for a card token: [A-Za-z0-9_-]{1,64}.
bool is_card_token(std::string_view s);

/// INVALID_FIELD naming the first field that is not acceptable; no error
/// when all are.
[[nodiscard]] error validate(const transaction& tx);

} // namespace fraud::models
