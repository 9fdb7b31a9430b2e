// The schema of the decision database, versioned with PRAGMA user_version
// and migrated forward, one step at a time, when fraudd opens it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "service/sqlite_db.hpp"

namespace fraud::service {

/// The version this build writes.
inline constexpr std::int64_t store_schema_version = 4;

/// Brings the database to `target` (default: this build's version). Refuses
/// a database newer than this build knows.
caf::error migrate(sqlite_db& db,
                   std::int64_t target = store_schema_version);

/// A read-write connection to the database at `path`, migrated.
caf::expected<std::unique_ptr<sqlite_db>>
open_migrated(const std::string& path);

} // namespace fraud::service
