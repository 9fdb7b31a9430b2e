// What one request to fraudd may cost it: every limit, in one place
// (README: Limits). A request past a limit changes nothing and gets
// LIMIT_EXCEEDED, its `field` naming the field or the limit; fraudd counts
// it as requests_limited in stats. BAD_REQUEST stays for requests that are
// wrong whatever their size (an empty author, a bad list name).
//
// The fixed limits are part of the wire contract, so clients can read
// them here; the ones an operator may tune are options of fraudd
// (service/request_limits.hpp), whose defaults and bounds are here too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fraud::protocol {

// ---- fixed ---------------------------------------------------------------

/// Rows one query may ask for (`limit` of fraud.query.card,
/// fraud.query.decisions, fraud.rules.history, fraud.rules.shadow and
/// fraud.lists.get): a page a person or a script reads, and what a reply
/// of small rows carries well within max_reply_bytes. More is paged.
inline constexpr std::uint32_t max_query_limit = 1000;

/// The largest reply fraudd sends: NATS's default max_payload, beyond
/// which the server refuses the publication and the client would only see
/// a timeout. Lower when the server's own max_payload is lower.
inline constexpr std::size_t max_reply_bytes = std::size_t{1} << 20;

/// Room a reply keeps for what is not its rows (card summary, cursor, an
/// error, protobuf framing): rows are added while they fit in
/// max_reply_bytes - reply_headroom, and the reply says where to go on.
inline constexpr std::size_t reply_headroom = 16 << 10;

/// Who makes a change: a name or a key id, not a text.
inline constexpr std::size_t max_author_bytes = 128;

/// Why: a sentence or a ticket, kept with every change and shown by
/// history. 1,000 of them fill a history reply to about 1 MiB.
inline constexpr std::size_t max_reason_bytes = 1000;

/// The longest rule text a request may carry at all, whatever
/// --rules-max-bytes says: the compiler's own bound (also NATS's default
/// max_payload, so a larger one could not arrive anyway).
inline constexpr std::size_t max_rules_text_bytes = std::size_t{1} << 20;

/// Values one fraud.lists.add or .remove may carry: storing and logging
/// 10,000 values is one SQLite transaction of about 0.1 s here, and
/// 10,000 values of 128 bytes are more than NATS carries anyway.
inline constexpr std::size_t max_list_change = 10'000;

/// The longest list value: card tokens, device ids, IPs and merchant ids
/// are all shorter (models::rules::valid_list_value checks the same).
inline constexpr std::size_t max_list_value_bytes = 128;

/// Shadow rules a fraud.rules.shadow reply lists, most hits first: every
/// rule of two full rulesets, in under 100 KB.
inline constexpr std::size_t max_shadow_rules_listed = 1000;

/// Rules a fraud.stats reply lists hits for, most hits first: the rules
/// of two full rulesets (each at most 500), in under 100 KB.
inline constexpr std::size_t max_stats_rule_hits = 1000;

// ---- tunable: defaults and bounds of fraudd's options ---------------------

/// --rules-max-bytes: the default rules are about 3 KB and a ruleset of
/// the most rules allowed (500) with a sentence each is about 100 KB.
inline constexpr std::size_t default_rules_max_bytes = 256 << 10;
/// ... and at most this, so that fraud.rules.get of any text a fraudd
/// accepted fits in one reply.
inline constexpr std::size_t rules_max_bytes_ceiling = 960 << 10;

/// --rules-compiles-per-s and --rules-compile-burst: compiling a 256 KiB
/// text of long conditions and measuring its cost (--rules-budget-us)
/// takes up to ~0.5 s of one core here (135 ms, then 370 ms), where the
/// default rules take ~20 ms. Compiles run one at a time, on the one
/// thread that answers fraud.rules.*, so a flood can never take more than
/// one core from scoring; at 2 a second it takes at most one while it
/// lasts, and 10 at once is more than a person or a deployment script
/// asks for.
inline constexpr double default_rules_compiles_per_s = 2;
inline constexpr double default_rules_compile_burst = 10;

/// --list-max-entries: a list is searched per transaction (binary search)
/// and copied when it changes; 100,000 values of 100 bytes take ~15 MB,
/// and a change copies them in 5-70 ms here.
inline constexpr std::size_t default_list_max_entries = 100'000;

/// --lists-max: rules name a handful of lists; 32 full lists of 100-byte
/// values take ~0.5 GB, the most memory lists may take by default.
inline constexpr std::size_t default_lists_max = 32;

/// --query-max-steps: SQLite virtual-machine steps one search may run
/// (fraud.query.card, .decisions, fraud.rules.shadow). A step costs
/// 0.05 us (a plain scan: 5 million steps read about a million rows in
/// 0.25 s here) to 0.5 us (through an index, 2.5 s).
inline constexpr std::uint64_t default_query_max_steps = 5'000'000;

} // namespace fraud::protocol
