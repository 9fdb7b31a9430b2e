// The schema of the decision database, versioned with PRAGMA user_version
// and migrated forward, one step at a time, when fraudd opens it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/error.hpp"

#include "service/sqlite_connection.hpp"

namespace fraud::service {

/// The version this build writes.
inline constexpr std::int64_t decision_schema_version = 8;

/// The stored decision of a tx_id, the encoded fraud.v1.Decision in column
/// 0 (for sqlite_connection::lookup_blob), as queries and re-sent
/// transactions read it (decision_db_reader, decision_read_pool).
inline constexpr const char* find_decision_sql =
  "SELECT payload FROM decisions WHERE tx_id = ?";

/// Brings the database to `target` (default: this build's version). Refuses
/// a database newer than this build knows.
fraud::error migrate(sqlite_connection& db,
                   std::int64_t target = decision_schema_version);

/// A read-write connection to the database at `path`, migrated.
fraud::expected<std::unique_ptr<sqlite_connection>>
open_migrated(const std::string& path);

} // namespace fraud::service
