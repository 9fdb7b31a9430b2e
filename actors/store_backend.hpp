// The persistent side of the decision store, as the store actor sees it.
// Implemented over SQLite by the service. Called from the store actor's
// own thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/error.hpp"

namespace fraud::actors {

class store_backend {
public:
  virtual ~store_backend() = default;

  /// Writes encoded decisions (fraud.v1.Decision) in one transaction.
  /// A tx_id already stored keeps its first decision. Returns how many
  /// were new.
  virtual fraud::expected<std::size_t>
  write(const std::vector<std::string_view>& decisions) = 0;


  /// Deletes decisions made before the given wall-clock time, in small
  /// steps so that readers are never blocked for long. Returns how many.
  virtual fraud::expected<std::size_t> purge_before(std::int64_t ms) = 0;
};

} // namespace fraud::actors
