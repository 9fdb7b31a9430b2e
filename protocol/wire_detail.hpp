// Protocol-internal: helpers shared by the codecs. Includes the generated
// header, so only protocol/*.cpp may include this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/decision.hpp"
#include "protocol/codec.hpp"
#include "protocol/fraud.pb.h"

namespace fraud::protocol::detail {

fraud::error from_wire(const v1::Error& e);
void fill(v1::Error& e, const fraud::error& error);
models::reason from_wire(const v1::Reason& r);
void fill(v1::Reason& w, const models::reason& r);
/// False when the action is out of range.
bool from_message(const v1::Decision& msg, models::decision& out,
                  decision_envelope& env);
/// `s` as valid UTF-8: each byte that starts no well-formed sequence
/// becomes the four characters \xNN. For the text we send back (an error
/// that quotes a subject token, a list value cut short): a proto3 string
/// that is not UTF-8 makes the whole message unreadable to the client.
std::string valid_utf8(std::string_view s);
void serialize(const google::protobuf::MessageLite& msg, std::string& out);
/// Parses with a size check; false when malformed.
bool parse(google::protobuf::MessageLite& msg, const void* data,
           std::size_t size);

// Requests and replies (query_codec.cpp, rules_codec.cpp).
fraud::error bad_request(const char* field, std::string message);
/// BAD_REQUEST: "not a fraud.v1.<what> protobuf message".
fraud::error malformed(const char* what);
/// BAD_REQUEST unless `cursor` is "" or a decision cursor (digits) as
/// replies give them.
fraud::error check_cursor(const std::string& cursor);
/// LIMIT_EXCEEDED naming `field` (protocol/request_limits.hpp).
fraud::error limit_exceeded(const char* field, std::string message);
/// 0 becomes `fallback`; more than max_query_limit is LIMIT_EXCEEDED.
fraud::error check_limit(std::uint32_t& limit,
                                      std::uint32_t fallback);

template <class Reply>
void set_error(Reply& msg, const fraud::error& error) {
  if (error)
    fill(*msg.mutable_error(), error);
}

template <class Reply>
fraud::error get_error(const Reply& msg) {
  if (msg.has_error() && msg.error().code() != v1::ERROR_NONE)
    return from_wire(msg.error());
  return {};
}

} // namespace fraud::protocol::detail
