// Field validation of a transaction, independent of how it arrived.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "models/transaction.hpp"

namespace fraud::models {

struct invalid_field {
  std::string field;
  std::string message;
};

/// True for a card token: [A-Za-z0-9_-]{1,64}.
bool is_card_token(std::string_view s);

/// The first field that is not acceptable, or nothing when all are.
std::optional<invalid_field> validate(const transaction& tx);

} // namespace fraud::models
