// The cursor of a search whose answers came from several instances, each
// from its own decision store (README: Queries across instances). A store's
// own cursor is a position in that store (rows older than a row id), which
// means nothing to another store; so a merged cursor carries one position
// per instance, and every instance reads its own. Text, so that it travels
// wherever a plain cursor does (DecisionsQuery.cursor, fraudctl --cursor):
//
//   m<watermark_ms>{,<instance>=<position>}
//
// instance: percent-encoded (bytes outside [A-Za-z0-9_.-] as %XX);
// position: that instance's cursor (digits), or "-" when it has nothing
// more. watermark_ms: decided_at_ms of the last decision shown; an
// instance the cursor does not name (it did not answer the pages before)
// reads from its newest decision decided at or before it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/error.hpp"

namespace fraud::protocol {

struct merged_cursor {
  std::int64_t watermark_ms = 0;
  /// (instance, position) in the order written; a position is an
  /// instance's own cursor, or `exhausted`.
  std::vector<std::pair<std::string, std::string>> positions;

  static constexpr const char* exhausted = "-";
};

/// Bounds of what a request may carry: enough for every instance of a
/// large cluster, small enough that parsing one costs nothing.
inline constexpr std::size_t max_merged_cursor_bytes = 16 << 10;
inline constexpr std::size_t max_merged_cursor_positions = 512;

/// True when `cursor` is written as a merged cursor (starts with 'm').
bool is_merged_cursor(const std::string& cursor);

/// BAD_REQUEST (field "cursor") unless `text` is a well-formed merged
/// cursor within the bounds above.
fraud::error parse_merged_cursor(const std::string& text, merged_cursor& out);

std::string to_string(const merged_cursor& c);

/// Where one instance goes on from a merged cursor.
struct instance_position {
  bool done = false;          // it has nothing more
  std::int64_t cursor = 0;    // its own cursor; 0 = from its newest
  std::int64_t until_ms = 0;  // 0, or decided_at_ms < until_ms (not named)
};

instance_position position_of(const merged_cursor& c,
                              const std::string& instance);

} // namespace fraud::protocol
