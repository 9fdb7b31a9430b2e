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
inline constexpr std::int64_t decision_schema_version = 10;

/// Posting kinds of decision_postings (schema 9): a fired rule, a fired
/// shadow rule, a decision that is not an approval (named by its action's
/// number).
inline constexpr std::int64_t posting_rule = 1;
inline constexpr std::int64_t posting_shadow_rule = 2;
inline constexpr std::int64_t posting_action = 3;

/// SQL for the smallest decision id that can have decided_at_ms >= the
/// value of `param` (a parameter name such as ":since" or "?1"); NULL when
/// no decision can. ANDed as `d.id >= <this>` beside the decided_at_ms
/// test, it turns a time bound into a range of ids (schema 9 has no time
/// index).
std::string first_id_since(const std::string& param);

/// The smallest decision id that can have decided_at_ms >= since_ms (as
/// first_id_since), the largest id when none can; 0 for since_ms <= 0.
fraud::expected<std::int64_t> first_decision_since(sqlite_connection& db,
                                                   std::int64_t since_ms);

/// Brings the database to `target` (default: this build's version). Refuses
/// a database newer than this build knows.
fraud::error migrate(sqlite_connection& db,
                   std::int64_t target = decision_schema_version);

/// A read-write connection to the database at `path`, migrated.
fraud::expected<std::unique_ptr<sqlite_connection>>
open_migrated(const std::string& path);

} // namespace fraud::service
